"""Hand-written X / Twitter archive files for the X loader tests (formats.md §1).

Raw text in X's exact shape: the ``window.YTD.<type>.part<N> = [ {`` wrapper and Jackson's
pretty print (2-space indent, ``" : "``, ``[ ]``), events newest first. Every id, name and text is
invented. The owner is account 2222 ("Alex Example", @alex_example).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

OWNER_ID = "2222"
TOP = "twitter-2022-08-01-0a1b2c3d"

# --------------------------------------------------------------------------- a 2022 archive

MANIFEST = """window.__THAR_CONFIG = {
  "userInfo" : {
    "accountId" : "2222",
    "userName" : "alex_example",
    "displayName" : "Alex Example"
  },
  "archiveInfo" : {
    "sizeBytes" : "48213",
    "generationDate" : "2022-08-01T09:50:29.344Z",
    "isPartialArchive" : false,
    "maxPartSizeBytes" : "53687091200"
  },
  "readmeInfo" : {
    "fileName" : "data/README.txt",
    "directory" : "data/",
    "name" : "README.txt"
  },
  "dataTypes" : {
    "account" : {
      "files" : [ {
        "fileName" : "data/account.js",
        "globalName" : "YTD.account.part0",
        "count" : "1"
      } ]
    },
    "directMessageGroupHeaders" : {
      "files" : [ {
        "fileName" : "data/direct-message-group-headers.js",
        "globalName" : "YTD.direct_message_group_headers.part0",
        "count" : "0"
      } ]
    },
    "directMessageHeaders" : {
      "files" : [ {
        "fileName" : "data/direct-message-headers.js",
        "globalName" : "YTD.direct_message_headers.part0",
        "count" : "1"
      } ]
    },
    "directMessages" : {
      "mediaDirectory" : "data/direct_messages_media",
      "files" : [ {
        "fileName" : "data/direct-messages.js",
        "globalName" : "YTD.direct_messages.part0",
        "count" : "3"
      }, {
        "fileName" : "data/direct-messages-part1.js",
        "globalName" : "YTD.direct_messages.part1",
        "count" : "1"
      } ]
    },
    "directMessagesGroup" : {
      "mediaDirectory" : "data/direct_messages_group_media",
      "files" : [ {
        "fileName" : "data/direct-messages-group.js",
        "globalName" : "YTD.direct_messages_group.part0",
        "count" : "1"
      } ]
    },
    "directMessagesGroupMedia" : {
      "mediaDirectory" : "data/direct_messages_group_media"
    },
    "directMessagesMedia" : {
      "mediaDirectory" : "data/direct_messages_media"
    },
    "follower" : {
      "files" : [ {
        "fileName" : "data/follower.js",
        "globalName" : "YTD.follower.part0",
        "count" : "3"
      } ]
    },
    "following" : {
      "files" : [ {
        "fileName" : "data/following.js",
        "globalName" : "YTD.following.part0",
        "count" : "2"
      } ]
    }
  }
}"""

ACCOUNT = """window.YTD.account.part0 = [ {
  "account" : {
    "email" : "alex@example.com",
    "createdVia" : "web",
    "username" : "alex_example",
    "accountId" : "2222",
    "createdAt" : "2012-03-04T05:06:07.000Z",
    "accountDisplayName" : "Alex Example"
  }
} ]"""

# 1111: an auto-DM with a t.co link and HTML entities; 3333: a business welcome message, then a
# photo (media self link); 4444: a conversation cut in two chunks (this part and part1).
DM_PART0 = r"""window.YTD.direct_messages.part0 = [ {
  "dmConversation" : {
    "conversationId" : "1111-2222",
    "messages" : [ {
      "messageCreate" : {
        "recipientId" : "1111",
        "reactions" : [ ],
        "mediaUrls" : [ ],
        "editHistory" : [ ],
        "urls" : [ ],
        "text" : "Thanks, will have a look &amp; reply",
        "senderId" : "2222",
        "id" : "1500000000000000002",
        "createdAt" : "2022-05-01T11:30:00.000Z"
      }
    }, {
      "messageCreate" : {
        "recipientId" : "2222",
        "reactions" : [ {
          "senderId" : "2222",
          "reactionKey" : "like",
          "eventId" : "1500000000000000003",
          "createdAt" : "2022-05-01T11:00:00.000Z"
        } ],
        "mediaUrls" : [ ],
        "editHistory" : [ ],
        "urls" : [ {
          "url" : "https://t.co/AbC123",
          "expanded" : "https://example.org/guide?a=1&b=2",
          "display" : "example.org/guide?a=1&b=2"
        } ],
        "text" : "Thanks for the follow! &lt;3 Free guide: https://t.co/AbC123",
        "senderId" : "1111",
        "id" : "1500000000000000001",
        "createdAt" : "2022-05-01T10:00:07.123Z"
      }
    } ]
  }
}, {
  "dmConversation" : {
    "conversationId" : "2222-3333",
    "messages" : [ {
      "messageCreate" : {
        "recipientId" : "2222",
        "reactions" : [ ],
        "mediaUrls" : [ "https://ton.twitter.com/dm/1500000000000000012/1500000000000000099/AbCdEf.jpg" ],
        "editHistory" : [ ],
        "urls" : [ {
          "url" : "https://t.co/Pic999",
          "expanded" : "https://twitter.com/messages/media/1500000000000000012",
          "display" : "pic.twitter.com/Pic999"
        } ],
        "text" : "Here is our menu https://t.co/Pic999",
        "senderId" : "3333",
        "id" : "1500000000000000012",
        "createdAt" : "2022-06-01T09:00:30.000Z"
      }
    }, {
      "welcomeMessageCreate" : {
        "recipientId" : "2222",
        "mediaUrls" : [ ],
        "editHistory" : [ ],
        "urls" : [ ],
        "text" : "Welcome to Sample Bakery! Reply MENU for today's specials.",
        "senderId" : "3333",
        "id" : "1500000000000000011",
        "createdAt" : "2022-06-01T09:00:00.000Z"
      }
    } ]
  }
}, {
  "dmConversation" : {
    "conversationId" : "2222-4444",
    "messages" : [ {
      "messageCreate" : {
        "recipientId" : "2222",
        "reactions" : [ ],
        "mediaUrls" : [ ],
        "editHistory" : [ ],
        "urls" : [ ],
        "text" : "Perfect, see you then",
        "senderId" : "4444",
        "id" : "1500000000000000024",
        "createdAt" : "2022-07-10T18:00:00.000Z"
      }
    }, {
      "messageCreate" : {
        "recipientId" : "4444",
        "reactions" : [ ],
        "mediaUrls" : [ ],
        "editHistory" : [ ],
        "urls" : [ ],
        "text" : "Sure, 7pm?",
        "senderId" : "2222",
        "id" : "1500000000000000023",
        "createdAt" : "2022-07-10T17:00:00.000Z"
      }
    } ]
  }
} ]"""

# The older chunk of 2222-4444: it repeats message ...023 (chunks overlap) and has a reaction event.
DM_PART1 = r"""window.YTD.direct_messages.part1 = [ {
  "dmConversation" : {
    "conversationId" : "2222-4444",
    "messages" : [ {
      "messageCreate" : {
        "recipientId" : "4444",
        "reactions" : [ ],
        "mediaUrls" : [ ],
        "editHistory" : [ ],
        "urls" : [ ],
        "text" : "Sure, 7pm?",
        "senderId" : "2222",
        "id" : "1500000000000000023",
        "createdAt" : "2022-07-10T17:00:00.000Z"
      }
    }, {
      "reactionCreate" : {
        "senderId" : "2222",
        "reactionKey" : "agree",
        "eventId" : "1500000000000000025",
        "createdAt" : "2022-07-10T16:30:00.000Z"
      }
    }, {
      "messageCreate" : {
        "recipientId" : "2222",
        "reactions" : [ ],
        "mediaUrls" : [ ],
        "editHistory" : [ ],
        "urls" : [ ],
        "text" : "Dinner on Friday? \"Chez Léa\" 🍝\nmy treat",
        "senderId" : "4444",
        "id" : "1500000000000000022",
        "createdAt" : "2022-07-10T16:00:00.000Z"
      }
    }, {
      "messageCreate" : {
        "recipientId" : "2222",
        "reactions" : [ ],
        "mediaUrls" : [ ],
        "editHistory" : [ {
          "createdAtSec" : "1657465210",
          "editedText" : "Hi Alex!"
        } ],
        "urls" : [ ],
        "text" : "Hi Alex! 👋",
        "senderId" : "4444",
        "id" : "1500000000000000021",
        "createdAt" : "2022-07-10T15:00:00.000Z"
      }
    } ]
  }
} ]"""

DM_GROUP = """window.YTD.direct_messages_group.part0 = [ {
  "dmConversation" : {
    "conversationId" : "1500000000000000900",
    "messages" : [ {
      "conversationNameUpdate" : {
        "initiatingUserId" : "5555",
        "name" : "Book club",
        "createdAt" : "2022-07-01T12:10:00.000Z"
      }
    }, {
      "messageCreate" : {
        "reactions" : [ ],
        "mediaUrls" : [ ],
        "editHistory" : [ ],
        "urls" : [ ],
        "text" : "See you all Friday",
        "senderId" : "6666",
        "id" : "1500000000000000032",
        "createdAt" : "2022-07-01T12:05:00.000Z"
      }
    }, {
      "messageCreate" : {
        "reactions" : [ ],
        "mediaUrls" : [ ],
        "editHistory" : [ ],
        "urls" : [ ],
        "text" : "Count me in",
        "senderId" : "2222",
        "id" : "1500000000000000031",
        "createdAt" : "2022-07-01T12:01:00.000Z"
      }
    }, {
      "participantsJoin" : {
        "initiatingUserId" : "5555",
        "userIds" : [ "6666" ],
        "createdAt" : "2022-07-01T12:00:30.000Z"
      }
    }, {
      "joinConversation" : {
        "initiatingUserId" : "5555",
        "participantsSnapshot" : [ "2222", "5555" ],
        "createdAt" : "2022-07-01T12:00:00.000Z"
      }
    } ]
  }
} ]"""

# The same events without text: must be ignored (...777 exists only here).
DM_HEADERS = """window.YTD.direct_message_headers.part0 = [ {
  "dmConversation" : {
    "conversationId" : "1111-2222",
    "messages" : [ {
      "messageCreate" : {
        "id" : "1500000000000000777",
        "senderId" : "1111",
        "recipientId" : "2222",
        "createdAt" : "2022-05-02T10:00:00.000Z"
      }
    }, {
      "messageCreate" : {
        "id" : "1500000000000000001",
        "senderId" : "1111",
        "recipientId" : "2222",
        "createdAt" : "2022-05-01T10:00:07.123Z"
      }
    } ]
  }
} ]"""

DM_GROUP_HEADERS = "window.YTD.direct_message_group_headers.part0 = [ ]"

FOLLOWER = """window.YTD.follower.part0 = [ {
  "follower" : {
    "accountId" : "1111",
    "userLink" : "https://twitter.com/intent/user?user_id=1111"
  }
}, {
  "follower" : {
    "accountId" : "3333",
    "userLink" : "https://twitter.com/intent/user?user_id=3333"
  }
}, {
  "follower" : {
    "accountId" : "5555",
    "userLink" : "https://twitter.com/intent/user?user_id=5555"
  }
} ]"""

FOLLOWING = """window.YTD.following.part0 = [ {
  "following" : {
    "accountId" : "4444",
    "userLink" : "https://twitter.com/intent/user?user_id=4444"
  }
}, {
  "following" : {
    "accountId" : "1111",
    "userLink" : "https://twitter.com/intent/user?user_id=1111"
  }
} ]"""

ARCHIVE_HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Your Twitter Data</title></head>
<body><script src="data/manifest.js"></script></body></html>
"""


def archive_2022() -> dict[str, str]:
    """A complete small archive: manifest, account, two DM parts, group, headers, follow lists."""
    return {
        "Your archive.html": ARCHIVE_HTML,
        "data/manifest.js": MANIFEST,
        "data/account.js": ACCOUNT,
        "data/direct-messages.js": DM_PART0,
        "data/direct-messages-part1.js": DM_PART1,
        "data/direct-messages-group.js": DM_GROUP,
        "data/direct-message-headers.js": DM_HEADERS,
        "data/direct-message-group-headers.js": DM_GROUP_HEADERS,
        "data/follower.js": FOLLOWER,
        "data/following.js": FOLLOWING,
    }


#: Another account, for one input holding two accounts' archives.
OTHER_ID = "9999"


def other_account_archive() -> dict[str, str]:
    """archive_2022() of another account: 9999 ("Sam Sample", @sam_sample) in place of the owner 2222."""
    files = archive_2022()
    for name, text in files.items():
        for old, new in (('"2222"', f'"{OTHER_ID}"'), ('-2222"', f'-{OTHER_ID}"'), ('"2222-', f'"{OTHER_ID}-'),
                         ("alex_example", "sam_sample"), ("Alex Example", "Sam Sample")):
            text = text.replace(old, new)
        files[name] = text
    return files


#: An archive without a single DM: X writes the files with an empty array (formats.md §1.2).
DM_EMPTY = "window.YTD.direct_messages.part0 = [ ]"


def no_dm_archive() -> dict[str, str]:
    """archive_2022() of an account that never sent or got a DM: empty message files, no part1."""
    files = archive_2022()
    del files["data/direct-messages-part1.js"]
    part1 = """, {
        "fileName" : "data/direct-messages-part1.js",
        "globalName" : "YTD.direct_messages.part1",
        "count" : "1"
      }"""
    part0_count = '"globalName" : "YTD.direct_messages.part0",\n        "count" : "3"'
    group_count = '"globalName" : "YTD.direct_messages_group.part0",\n        "count" : "1"'
    assert part1 in MANIFEST and part0_count in MANIFEST and group_count in MANIFEST
    files["data/manifest.js"] = (MANIFEST.replace(part1, "").replace(part0_count, part0_count[:-2] + '0"')
                                 .replace(group_count, group_count[:-2] + '0"'))
    files["data/direct-messages.js"] = DM_EMPTY
    files["data/direct-messages-group.js"] = "window.YTD.direct_messages_group.part0 = [ ]"
    files["data/direct-message-headers.js"] = "window.YTD.direct_message_headers.part0 = [ ]"
    return files


#: What archive_2022() holds, as (message id, sender, text, outgoing, kind, urls), by time.
ARCHIVE_2022_MESSAGES = [
    ("1500000000000000001", "1111", "Thanks for the follow! <3 Free guide: https://example.org/guide?a=1&b=2",
     False, "message", ["https://example.org/guide?a=1&b=2"]),
    ("1500000000000000002", "2222", "Thanks, will have a look & reply", True, "message", []),
    ("1500000000000000011", "3333", "Welcome to Sample Bakery! Reply MENU for today's specials.", False,
     "welcome", []),
    ("1500000000000000012", "3333", "Here is our menu", False, "message", []),
    ("1500000000000000031", "2222", "Count me in", True, "message", []),
    ("1500000000000000032", "6666", "See you all Friday", False, "message", []),
    ("1500000000000000021", "4444", "Hi Alex! 👋", False, "message", []),
    ("1500000000000000022", "4444", 'Dinner on Friday? "Chez Léa" 🍝\nmy treat', False, "message", []),
    ("1500000000000000023", "2222", "Sure, 7pm?", True, "message", []),
    ("1500000000000000024", "4444", "Perfect, see you then", False, "message", []),
]

ARCHIVE_2022_IGNORED = {
    "X event conversationNameUpdate": 1,
    "X event joinConversation": 1,
    "X event participantsJoin": 1,
    "X event reactionCreate": 1,
    "duplicate message id (kept the first)": 1,
}

# --------------------------------------------------------------------------- formats.md §1.4, verbatim

FORMATS_EXAMPLE = """window.YTD.direct_messages.part0 = [ {
  "dmConversation" : {
    "conversationId" : "1111-2222",
    "messages" : [ { "messageCreate" : {
        "recipientId" : "2222", "reactions" : [ ], "mediaUrls" : [ ], "editHistory" : [ ],
        "urls" : [ { "url" : "https://t.co/AbC123", "expanded" : "https://example.org/guide", "display" : "example.org/guide" } ],
        "text" : "Thanks for the follow! Free guide: https://t.co/AbC123",
        "senderId" : "1111", "id" : "1500000000000000001", "createdAt" : "2022-05-01T10:00:07.123Z" } } ]
  }
} ]"""  # noqa: E501  (verbatim)

# --------------------------------------------------------------------------- a 2020 archive

# The 2020 field order (recipientId, reactions, urls, text, mediaUrls, senderId, id, createdAt),
# short pre-snowflake ids, and an older event with nothing but id, senderId and createdAt.
DM_2020 = """window.YTD.direct_messages.part0 = [ {
  "dmConversation" : {
    "conversationId" : "685513-20674328",
    "messages" : [ {
      "messageCreate" : {
        "recipientId" : "20674328",
        "reactions" : [ ],
        "urls" : [ ],
        "text" : "Hi! Thanks for following us. For support questions, check out http://www.example.org/support",
        "mediaUrls" : [ ],
        "senderId" : "685513",
        "id" : "66204814",
        "createdAt" : "2009-02-28T08:51:00.000Z"
      }
    } ]
  }
}, {
  "dmConversation" : {
    "conversationId" : "730043-20674328",
    "messages" : [ {
      "messageCreate" : {
        "recipientId" : "730043",
        "text" : "Got it, thanks",
        "senderId" : "20674328",
        "id" : "352991039667187712",
        "createdAt" : "2013-07-05T03:23:16.000Z"
      }
    }, {
      "messageCreate" : {
        "senderId" : "730043",
        "id" : "352344194087530497",
        "createdAt" : "2013-07-03T08:32:56.000Z"
      }
    } ]
  }
} ]"""

ACCOUNT_2020 = """window.YTD.account.part0 = [ {
  "account" : {
    "email" : "sam@example.com",
    "createdVia" : "web",
    "username" : "samsample",
    "accountId" : "20674328",
    "createdAt" : "2009-02-12T12:50:19.000Z",
    "accountDisplayName" : "Sam Sample"
  }
} ]"""

# --------------------------------------------------------------------------- older singular names


def singular_files() -> dict[str, str]:
    """``direct-message.js`` / ``-part1`` / ``direct-message-group.js`` (no manifest)."""
    part0 = DM_PART0.replace("window.YTD.direct_messages.part0", "window.YTD.direct_message.part0")
    part1 = DM_PART1.replace("window.YTD.direct_messages.part1", "window.YTD.direct_message.part1")
    group = DM_GROUP.replace("window.YTD.direct_messages_group.part0", "window.YTD.direct_message_group.part0")
    return {
        "data/account.js": ACCOUNT,
        "data/direct-message.js": part0,
        "data/direct-message-part1.js": part1,
        "data/direct-message-group.js": group,
        "data/direct-message-headers.js": DM_HEADERS,
        "data/follower.js": FOLLOWER,
    }


# --------------------------------------------------------------------------- bad records

# Two good messages among bad events: no createdAt, a numeric id, no senderId, a number as text,
# an event that is not an object, an entry that is not a dmConversation, two unreadable times.
DM_BAD_EVENTS = """window.YTD.direct_messages.part0 = [ {
  "dmConversation" : {
    "conversationId" : "1111-2222",
    "messages" : [ {
      "messageCreate" : {
        "recipientId" : "2222",
        "text" : "no time",
        "senderId" : "1111",
        "id" : "1500000000000000101"
      }
    }, {
      "messageCreate" : {
        "recipientId" : "2222",
        "text" : "numeric id",
        "senderId" : "1111",
        "id" : 1500000000000000102,
        "createdAt" : "2022-05-01T10:00:00.000Z"
      }
    }, {
      "messageCreate" : {
        "recipientId" : "2222",
        "text" : "no sender",
        "id" : "1500000000000000103",
        "createdAt" : "2022-05-01T10:00:00.000Z"
      }
    }, {
      "messageCreate" : {
        "recipientId" : "2222",
        "text" : 42,
        "senderId" : "1111",
        "id" : "1500000000000000104",
        "createdAt" : "2022-05-01T10:00:00.000Z"
      }
    }, [ ], {
      "messageCreate" : {
        "recipientId" : "2222",
        "text" : "unreadable time",
        "senderId" : "1111",
        "id" : "1500000000000000105",
        "createdAt" : "yesterday"
      }
    }, {
      "messageCreate" : {
        "recipientId" : "2222",
        "text" : "year zero",
        "senderId" : "1111",
        "id" : "1500000000000000108",
        "createdAt" : "00000101T00"
      }
    }, {
      "messageCreate" : {
        "recipientId" : "2222",
        "text" : "good one",
        "senderId" : "1111",
        "id" : "1500000000000000106",
        "createdAt" : "2022-05-01T10:00:00.000Z"
      }
    }, {
      "messageCreate" : {
        "recipientId" : "1111",
        "text" : "good two",
        "senderId" : "2222",
        "id" : "1500000000000000107",
        "createdAt" : "2022-05-01T10:05:00.000Z"
      }
    } ]
  }
}, {
  "notAConversation" : { }
} ]"""

DM_BAD_EVENTS_SKIPPED = {
    "message without id, senderId or createdAt": 3,
    "text is not a string": 1,
    "event is not an object": 1,
    "not a dmConversation with conversationId and messages": 1,
    "unreadable message time": 2,
}


# --------------------------------------------------------------------------- writing


def write_folder(root: Path, files: dict[str, str | bytes], top: str = "") -> Path:
    """Write ``files`` under ``root`` (inside ``top`` when given); return ``root``."""
    for name, data in files.items():
        p = root / top / name if top else root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return root


def write_zip(path: Path, files: dict[str, str | bytes], top: str = "") -> Path:
    """Write ``files`` into the zip ``path`` (inside ``top`` when given); return ``path``."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(f"{top}/{name}" if top else name, data)
    return path
