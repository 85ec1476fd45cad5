"""Hand-written LinkedIn data export files for the LinkedIn loader tests (formats.md §4).

Raw CSV text in the export's shape: the current ``messages.csv`` header with the newer
``ATTACHMENTS, IS MESSAGE DRAFT, IS CONVERSATION DRAFT`` columns, rows unsorted, quoted multi-line
content, drafts, system rows, an HTML InMail with a subject, a group conversation, blank
conversation ids, double-encoded names (``ChloÃ© MÃ¼ller`` is "Chloé Müller"), rows of only
commas; the legacy header; ``Connections.csv`` with and without the ``Notes:`` preamble and the
``URL`` column; ``Invitations.csv`` in both header generations. Every name, URL and text is
invented. The owner is Alex Example, ``https://www.linkedin.com/in/alex-example-5e6f7a``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

ZIP_NAME = "Complete_LinkedInDataExport_08-15-2024.zip"
TOP = "Basic_LinkedInDataExport_08-15-2024"

OWNER_URL = "https://www.linkedin.com/in/alex-example-5e6f7a"
OWNER_NAME = "Alex Example"
ROBIN = "https://www.linkedin.com/in/robin-sample-0a1b2c"
CHLOE = "https://www.linkedin.com/in/chloe-muller-2b3c4d"
RECRUITER = "https://www.linkedin.com/in/sample-recruiter-9z8y7x"
JORDAN = "https://www.linkedin.com/in/jordan-okafor-4d5c6b"
YUKI = "https://www.linkedin.com/in/yuki-tanaka-1f2e3d"
KIM = "https://www.linkedin.com/in/kim-lee-7a8b9c/"  # as the first row spells it (trailing slash)
PAT = "https://www.linkedin.com/in/pat-growth-3c2b1a"

CURRENT_HEADER = ("CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,"
                  "SUBJECT,CONTENT,FOLDER,ATTACHMENTS,IS MESSAGE DRAFT,IS CONVERSATION DRAFT")

# Robin: an auto-DM 102 s after the connection (bounded by the invitation) and a drip follow-up;
# Chloé: a mojibake name and text, a system row, the owner's reply; an HTML InMail with a subject;
# a group of three (recipients split by ";" and by ", "); two drafts; Kim's conversation without
# conversation ids; a row of only commas. Not sorted, as in real exports.
MESSAGES_CURRENT = f'''{CURRENT_HEADER}
2-Um9iaW4=,,Robin Sample,{ROBIN},Alex Example,{OWNER_URL},2024-03-10 15:01:00 UTC,,"Just bumping this up, {{first_name}}!",INBOX,,No,No
2-Q2hsb2U=,,Alex Example,{OWNER_URL},Chloé Müller,{CHLOE},2024-04-02 09:30:00 UTC,,Merci ! See you at the café,INBOX,,No,No
2-Um9iaW4=,,Robin Sample,{ROBIN},Alex Example,{OWNER_URL},2024-03-07 15:00:42 UTC,,"Hi Alex, thanks for connecting! 🚀
Grab my free guide: https://example.org/guide",INBOX,,No,No
2-Q2hsb2U=,,ChloÃ© MÃ¼ller,{CHLOE},Alex Example,{OWNER_URL},2024-04-01 18:00:00 UTC,,"Tu viens au cafÃ© demain ?
She said ""bring the cat""",ARCHIVE,,No,No
2-Q2hsb2U=,,ChloÃ© MÃ¼ller,{CHLOE},Alex Example,{OWNER_URL},2024-04-01 17:59:00 UTC,,Message request accepted,INBOX,,No,No
2-UmVjcnVpdA==,,Sample Recruiting,{RECRUITER},Alex Example,{OWNER_URL},2024-05-01 08:00:00 UTC,"Quick question, Alex","<p>Hi Alex,</p><p>We&#39;re hiring &amp; think you&rsquo;d fit. <a href=""https://jobs.example.com/apply?id=7"">Apply here</a></p>",INBOX,,No,No
2-R3JvdXA=,,Jordan Okafor,{JORDAN},"Alex Example, Yuki Tanaka",{OWNER_URL};{YUKI},2024-06-01 12:00:00 UTC,,,INBOX,https://www.linkedin.com/dms/prv/agenda.pdf,No,No
2-R3JvdXA=,,Yuki Tanaka,{YUKI},"Alex Example, Jordan Okafor","{OWNER_URL}, {JORDAN}",2024-06-01 12:05:00 UTC,,A LinkedIn member left the conversation.,INBOX,,No,No
2-R3JvdXA=,,Alex Example,{OWNER_URL},"Jordan Okafor, Yuki Tanaka","{JORDAN}, {YUKI}",2024-06-01 12:10:00 UTC,,Thanks Jordan,INBOX,,No,No
2-Um9iaW4=,,Alex Example,{OWNER_URL},Robin Sample,{ROBIN},2024-03-11 10:00:00 UTC,,draft: no thanks,INBOX,,Yes,No
2-RHJhZnQ=,,Alex Example,{OWNER_URL},Kim Lee,{KIM},2024-06-30 10:00:00 UTC,,never sent,INBOX,,No,Yes
,,,,,,,,,,,,
,,Kim Lee,{KIM},Alex Example,{OWNER_URL},2024-07-01 10:00:00 UTC,,Hello from Kim,INBOX,,No,No
,,Alex Example,{OWNER_URL},Kim Lee,https://www.linkedin.com/in/kim-lee-7a8b9c,2024-07-01 11:00:00 UTC,,Hi Kim,INBOX,,No,No
'''  # noqa: E501  (verbatim CSV)

CONNECTIONS_NOTES = (
    'Notes:\n"When exporting your connection data, you may notice that some of the email addresses are missing. '
    'You will only see email addresses for connections who have allowed their connections to see or download '
    'their email address."\n\n'
)

CONNECTIONS = CONNECTIONS_NOTES + f"""First Name,Last Name,URL,Email Address,Company,Position,Connected On
Kim,Lee,https://www.linkedin.com/in/Kim-Lee-7a8b9c,,,,30 Jun 2024
Yuki,Tanaka,{YUKI},,Sample Labs,Designer,01 Jun 2024
Jordan,Okafor,{JORDAN},,Sample Labs,Founder,20 May 2024
,,,,,,
Robin,Sample,{ROBIN},,Example Ltd,Growth Lead,07 Mar 2024
ChloÃ©,MÃ¼ller,{CHLOE},chloe@example.com,"Café Co, Ltd",Barista,15 Jan 2023
"""

# Robin's invitation (accepted the same day: bounds the connection time); the owner's invitation
# to Jordan with a note (owner inference, bounds Jordan's connection); Pat's templated note (pending);
# Sam's invitation without a note (no message).
INVITATIONS = f"""From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl
Pat Growth,Alex Example,"8/1/24, 11:02 PM","Hey {{first_name}}, let's connect! I help founders 10x their pipeline.",INCOMING,{PAT},{OWNER_URL}
Sam Quiet,Alex Example,"8/2/24, 7:00 AM",,INCOMING,https://www.linkedin.com/in/sam-quiet-111111,{OWNER_URL}
Robin Sample,Alex Example,"3/7/24, 2:58 PM","Hi Alex, I'd love to add you to my network.",INCOMING,{ROBIN},{OWNER_URL}
Alex Example,Jordan Okafor,"5/20/24, 9:15 AM",Great meeting you at the meetup!,OUTGOING,{OWNER_URL},{JORDAN}
"""  # noqa: E501  (verbatim CSV)

PROFILE = """First Name,Last Name,Maiden Name,Address,Birth Date,Headline,Summary,Industry,Zip Code,Geo Location,Twitter Handles,Websites,Instant Messengers
Alex,Example,,,,Growth at Example,,Technology,,Example City,,,
"""  # noqa: E501  (verbatim CSV)

# The assistants' chats: same header, never read (they name the owner as a participant).
GUIDE = f"""{CURRENT_HEADER}
2-R3VpZGU=,,LinkedIn Guide,https://www.linkedin.com/in/linkedin-guide,Alex Example,{OWNER_URL},2024-08-01 09:00:00 UTC,,How can I help?,INBOX,,No,No
"""  # noqa: E501  (verbatim CSV)
ROLE_PLAY = f"""{CURRENT_HEADER}
2-Um9sZQ==,,Interview Coach,https://www.linkedin.com/in/linkedin-coach,Alex Example,{OWNER_URL},2024-08-01 09:05:00 UTC,,Tell me about yourself.,INBOX,,No,No
"""  # noqa: E501  (verbatim CSV)


def export_current() -> dict[str, str]:
    """A complete current export: messages, connections, invitations, profile, assistant chats, others."""
    return {
        "messages.csv": MESSAGES_CURRENT,
        "Connections.csv": CONNECTIONS,
        "Invitations.csv": INVITATIONS,
        "Profile.csv": PROFILE,
        "guide_messages.csv": GUIDE,
        "learning_role_play_messages.csv": ROLE_PLAY,
        "Skills.csv": "Name\nPython\nPublic Speaking\n",
        "Email Addresses.csv": "Email Address,Confirmed,Primary,Updated On\nalex@example.com,Yes,Yes,1/2/20, 3:04 PM\n",
    }


#: What export_current() holds, as (sender_id, text, outgoing, kind), by time.
CURRENT_MESSAGES = [
    (ROBIN, "Hi Alex, I'd love to add you to my network.", False, "invitation"),
    (ROBIN, "Hi Alex, thanks for connecting! 🚀\nGrab my free guide: https://example.org/guide", False, "message"),
    (ROBIN, "Just bumping this up, {first_name}!", False, "message"),
    (CHLOE, "Message request accepted", False, "system"),
    (CHLOE, 'Tu viens au café demain ?\nShe said "bring the cat"', False, "message"),
    (OWNER_URL, "Merci ! See you at the café", True, "message"),
    (RECRUITER, "Quick question, Alex\n\nHi Alex,\n\nWe're hiring & think you’d fit. Apply here", False, "message"),
    (OWNER_URL, "Great meeting you at the meetup!", True, "invitation"),
    (JORDAN, "", False, "message"),
    (YUKI, "A LinkedIn member left the conversation.", False, "system"),
    (OWNER_URL, "Thanks Jordan", True, "message"),
    (KIM, "Hello from Kim", False, "message"),
    (OWNER_URL, "Hi Kim", True, "message"),
    (PAT, "Hey {first_name}, let's connect! I help founders 10x their pipeline.", False, "invitation"),
]
CURRENT_IGNORED = {
    "LinkedIn assistant chat file (ignored)": 2,
    "LinkedIn draft message (dropped)": 2,
    "LinkedIn CSV row of only commas (ignored)": 2,
}

# --------------------------------------------------------------------------- legacy (to early 2020)

MESSAGES_LEGACY = """FROM,TO,DATE,SUBJECT,CONTENT,DIRECTION,FOLDER
Alex Example,Robin Sample,2019-11-06T09:00:00,,Thanks Robin,OUTGOING,INBOX
Robin Sample,Alex Example,2019-11-06T02:08:20,,"Thanks for connecting, Alex! Check out my webinar: https://example.org/webinar",INCOMING,INBOX
ChloÃ© MÃ¼ller,Alex Example,2019-10-01T12:00:00,Coffee?,"Are you free
next week?",INCOMING,INBOX
Jordan Okafor,Alex Example,2019-12-24T18:30:00,,Merry Christmas!,INCOMING,ARCHIVE
"""

#: Older Connections.csv: no preamble, no URL column.
CONNECTIONS_NO_URL = """First Name,Last Name,Email Address,Company,Position,Connected On
Robin,Sample,,Example Ltd,Growth Lead,06 Nov 2019
Jordan,Okafor,,Sample Labs,Founder,01 Dec 2019
"""

#: Older Invitations.csv: a Notes preamble, no URL columns, other Sent At formats.
INVITATIONS_OLD = """Notes:
"This file lists the invitations you have sent and received."

From,To,Sent At,Message,Direction
Robin Sample,Alex Example,"11/5/19, 10:15 PM","Hello Alex, would love to connect",INCOMING
Alex Example,Kim Lee,2019-10-01 08:00:00 UTC,,OUTGOING
Pat Growth,Alex Example,"Nov 20, 2019, 4:05 PM",Let's connect {first_name}!,INCOMING
Sam Quiet,Alex Example,20 Nov 2019 16:05,,INCOMING
"""


def export_legacy() -> dict[str, str]:
    return {"messages.csv": MESSAGES_LEGACY, "Connections.csv": CONNECTIONS_NO_URL, "Invitations.csv": INVITATIONS_OLD}


# --------------------------------------------------------------------------- writing


def write_zip(path: Path, files: dict[str, str | bytes], top: str | None = None) -> Path:
    """Write ``files`` (name -> text or bytes) into a zip, optionally under a top folder."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(f"{top}/{name}" if top else name, data.encode("utf-8") if isinstance(data, str) else data)
    return path


def write_folder(root: Path, files: dict[str, str | bytes], top: str | None = None) -> Path:
    """Write ``files`` into a folder (an unzipped export), optionally under a top folder."""
    for name, data in files.items():
        p = root / top / name if top else root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return root
