"""Hand-written Instagram / Messenger export files for the meta loader tests.

Every file is raw text in Meta's exact shape, with the mojibake written as Meta writes it: each
UTF-8 byte of a non-ASCII character as its own ``\\u00XX`` escape (``caf\\u00c3\\u00a9`` is
"café", ``\\u00f0\\u009f\\u0098\\u00a2`` is 😢). The raw strings keep the backslashes literal.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

from autodm.inbox import FollowRows, Inbox, MessageRows, Owner, Skips, make_inbox

# Names as they read once repaired (the files below hold their escaped UTF-8 bytes).
CHLOE = "Chloé Müller ✨"
GURU = "Growth Guru 🚀"
JURGEN = "Jürgen Groß"
OWNER = "Alex Example"

IG_CHLOE_1 = r'''{
  "participants": [
    {
      "name": "Chlo\u00c3\u00a9 M\u00c3\u00bcller \u00e2\u009c\u00a8"
    },
    {
      "name": "Alex Example"
    }
  ],
  "messages": [
    {
      "sender_name": "Alex Example",
      "timestamp_ms": 1714600300000,
      "content": "Merci ! See you at the caf\u00c3\u00a9",
      "is_geoblocked_for_viewer": false
    },
    {
      "sender_name": "Chlo\u00c3\u00a9 M\u00c3\u00bcller \u00e2\u009c\u00a8",
      "timestamp_ms": 1714600200000,
      "content": "Liked a message",
      "is_geoblocked_for_viewer": false
    },
    {
      "sender_name": "Chlo\u00c3\u00a9 M\u00c3\u00bcller \u00e2\u009c\u00a8",
      "timestamp_ms": 1714600100000,
      "content": "Tu viens au caf\u00c3\u00a9 demain ? \u00f0\u009f\u0098\u00a2",
      "reactions": [
        {
          "reaction": "\u00e2\u009d\u00a4",
          "actor": "Alex Example",
          "timestamp": 1714600150
        }
      ],
      "is_geoblocked_for_viewer": false
    }
  ],
  "title": "Chlo\u00c3\u00a9 M\u00c3\u00bcller \u00e2\u009c\u00a8",
  "is_still_participant": true,
  "thread_path": "inbox/chloemuller_1234567890123456",
  "magic_words": []
}
'''

IG_CHLOE_2 = r'''{
  "participants": [
    {
      "name": "Chlo\u00c3\u00a9 M\u00c3\u00bcller \u00e2\u009c\u00a8"
    },
    {
      "name": "Alex Example"
    }
  ],
  "messages": [
    {
      "sender_name": "Chlo\u00c3\u00a9 M\u00c3\u00bcller \u00e2\u009c\u00a8",
      "timestamp_ms": 1714500000000,
      "content": "Coucou \u00e2\u0080\u0094 c'est Chlo\u00c3\u00a9",
      "is_geoblocked_for_viewer": false
    },
    {
      "sender_name": "Chlo\u00c3\u00a9 M\u00c3\u00bcller \u00e2\u009c\u00a8",
      "timestamp_ms": 1714400000000,
      "photos": [
        {
          "uri": "your_instagram_activity/messages/inbox/chloemuller_1234567890123456/photos/123.jpg",
          "creation_timestamp": 1714400000
        }
      ],
      "is_geoblocked_for_viewer": false
    }
  ],
  "title": "Chlo\u00c3\u00a9 M\u00c3\u00bcller \u00e2\u009c\u00a8",
  "is_still_participant": true,
  "thread_path": "inbox/chloemuller_1234567890123456",
  "magic_words": []
}
'''

IG_SAM = r'''{
  "participants": [
    {
      "name": "Sam Sample"
    },
    {
      "name": "Alex Example"
    }
  ],
  "messages": [
    {
      "sender_name": "Sam Sample",
      "timestamp_ms": 1714700600000,
      "content": "Sam Sample sent an attachment.",
      "share": {
        "link": "https://www.instagram.com/p/AbC123xyz/",
        "original_content_owner": "someone.else"
      },
      "is_geoblocked_for_viewer": false
    },
    {
      "sender_name": "Sam Sample",
      "timestamp_ms": 1714700500000,
      "content": "Started a video chat",
      "call_duration": 120,
      "is_geoblocked_for_viewer": false
    },
    {
      "sender_name": "Sam Sample",
      "timestamp_ms": 1714700400000,
      "is_unsent": true,
      "is_geoblocked_for_viewer": false
    },
    {
      "sender_name": "Alex Example",
      "timestamp_ms": 1714700300000,
      "content": "sure, here it is",
      "is_geoblocked_for_viewer": false
    },
    {
      "sender_name": "Sam Sample",
      "timestamp_ms": 1714700200000,
      "content": "check this out",
      "share": {
        "link": "https://example.org/guide",
        "share_text": "A guide"
      },
      "is_geoblocked_for_viewer": false
    },
    {
      "sender_name": "Sam Sample",
      "timestamp_ms": 1714700100000,
      "content": "Reacted \u00f0\u009f\u0098\u0082 to your message ",
      "is_geoblocked_for_viewer": false
    }
  ],
  "title": "Sam Sample",
  "is_still_participant": true,
  "thread_path": "inbox/samsample_2222222222222222",
  "magic_words": []
}
'''

IG_GURU = r'''{
  "participants": [
    {
      "name": "Growth Guru \u00f0\u009f\u009a\u0080"
    },
    {
      "name": "Alex Example"
    }
  ],
  "messages": [
    {
      "sender_name": "Growth Guru \u00f0\u009f\u009a\u0080",
      "timestamp_ms": 1714800007000,
      "content": "Thanks for the follow! Grab my free guide \u00f0\u009f\u009a\u0080 https://example.org/free",
      "is_geoblocked_for_viewer": false
    }
  ],
  "title": "Growth Guru \u00f0\u009f\u009a\u0080",
  "is_still_participant": true,
  "thread_path": "message_requests/growthguru_3333333333333333",
  "magic_words": []
}
'''

IG_GROUP = r'''{
  "participants": [
    {
      "name": "Sam Sample"
    },
    {
      "name": "J\u00c3\u00bcrgen Gro\u00c3\u009f"
    },
    {
      "name": "Alex Example"
    }
  ],
  "messages": [
    {
      "sender_name": "J\u00c3\u00bcrgen Gro\u00c3\u009f",
      "timestamp_ms": 1714900000000,
      "content": "Hallo zusammen, gr\u00c3\u00bc\u00c3\u009f euch",
      "is_geoblocked_for_viewer": false
    }
  ],
  "title": "Weekend plans",
  "is_still_participant": true,
  "thread_path": "inbox/weekendplans_4444444444444444",
  "magic_words": []
}
'''

IG_CROSS_APP = r'''{
  "participants": [{"name": "Someone Else"}, {"name": "Alex Example"}],
  "messages": [{"sender_name": "Someone Else", "timestamp_ms": 1714950000000, "content": "from the other app"}],
  "title": "Someone Else", "is_still_participant": true, "thread_path": "inbox/someoneelse_5", "magic_words": []
}
'''

IG_FOLLOWERS_1 = r'''[
  {
    "title": "",
    "media_list_data": [],
    "string_list_data": [
      {
        "href": "https://www.instagram.com/growth.guru",
        "value": "growth.guru",
        "timestamp": 1714800000
      }
    ]
  },
  {
    "title": "",
    "media_list_data": [],
    "string_list_data": [
      {
        "href": "https://www.instagram.com/sam.sample",
        "value": "sam.sample",
        "timestamp": 1714000000
      }
    ]
  }
]
'''

IG_FOLLOWERS_2 = r'''[
  {
    "title": "",
    "media_list_data": [],
    "string_list_data": [
      {
        "href": "https://www.instagram.com/chloe.muller",
        "value": "chloe.muller",
        "timestamp": 1714300000
      }
    ]
  }
]
'''

IG_FOLLOWING_2024 = r'''{
  "relationships_following": [
    {
      "title": "chloe.muller",
      "string_list_data": [
        {
          "href": "https://www.instagram.com/_u/chloe.muller",
          "timestamp": 1714350000
        }
      ]
    },
    {
      "title": "",
      "string_list_data": [
        {
          "href": "https://www.instagram.com/_u/only.href/",
          "timestamp": 1714360000
        }
      ]
    }
  ]
}
'''

IG_PERSONAL = r'''{
  "profile_user": [
    {
      "title": "",
      "media_map_data": {
        "Profile photo": {
          "uri": "media/profile/123.jpg",
          "creation_timestamp": 1600000000,
          "title": ""
        }
      },
      "string_map_data": {
        "Email": {
          "href": "",
          "value": "alex@example.org",
          "timestamp": 0
        },
        "Name": {
          "href": "",
          "value": "Alex Example",
          "timestamp": 0
        },
        "Username": {
          "href": "",
          "value": "alex.example",
          "timestamp": 0
        }
      }
    }
  ]
}
'''

TOP = "instagram-alex.example-2024-05-20-AbCdEfGh"


def ig_2024_files() -> dict[str, str]:
    """The 2024 layout (``your_instagram_activity/``), without the extra top folder."""
    m = "your_instagram_activity/messages"
    return {
        f"{m}/inbox/chloemuller_1234567890123456/message_1.json": IG_CHLOE_1,
        f"{m}/inbox/chloemuller_1234567890123456/message_2.json": IG_CHLOE_2,
        f"{m}/inbox/chloemuller_1234567890123456/photos/123.jpg": "not really a jpeg",
        f"{m}/inbox/samsample_2222222222222222/message_1.json": IG_SAM,
        f"{m}/message_requests/growthguru_3333333333333333/message_1.json": IG_GURU,
        f"{m}/inbox/weekendplans_4444444444444444/message_1.json": IG_GROUP,
        f"{m}/ai_conversations.json": '{"conversations": [{"messages": [{"text": "hello Meta AI"}]}]}',
        f"{m}/secret_conversations.json": '{"armadillo_devices": []}',
        f"{m}/reported_conversations.json": "[]",
        f"{m}/cross-app-inbox/inbox/someoneelse_5/message_1.json": IG_CROSS_APP,
        "connections/followers_and_following/followers_1.json": IG_FOLLOWERS_1,
        "connections/followers_and_following/followers_2.json": IG_FOLLOWERS_2,
        "connections/followers_and_following/following.json": IG_FOLLOWING_2024,
        "connections/followers_and_following/close_friends.json": '{"relationships_close_friends": []}',
        "personal_information/personal_information/personal_information.json": IG_PERSONAL,
        "start_here.html": "<html></html>",
    }


# --- Instagram 2020-2023: messages/inbox, followers.json wrapped, value-shaped following entries

IG_2021_SAM = r'''{
  "participants": [
    {
      "name": "Sam Sample"
    },
    {
      "name": "Alex Example"
    }
  ],
  "messages": [
    {
      "sender_name": "Alex Example",
      "timestamp_ms": 1630000100000,
      "content": "hi Sam"
    },
    {
      "sender_name": "Sam Sample",
      "timestamp_ms": 1630000005000,
      "content": "Thanks for following! \u00f0\u009f\u0099\u008f"
    }
  ],
  "title": "Sam Sample",
  "is_still_participant": true,
  "thread_path": "inbox/samsample_98765",
  "magic_words": []
}
'''

IG_2021_REQUEST = r'''{
  "participants": [
    {
      "name": "promo.bot"
    },
    {
      "name": "Alex Example"
    }
  ],
  "messages": [
    {
      "sender_name": "promo.bot",
      "timestamp_ms": 1630000300000,
      "content": "Check out my page!"
    }
  ],
  "title": "promo.bot",
  "is_still_participant": true,
  "thread_path": "message_requests/promobot_55555",
  "magic_words": []
}
'''

IG_2021_FOLLOWERS = r'''{
  "relationships_followers": [
    {
      "title": "",
      "media_list_data": [],
      "string_list_data": [
        {
          "href": "https://www.instagram.com/sam.sample",
          "value": "sam.sample",
          "timestamp": 1630000000
        }
      ]
    },
    {
      "title": "",
      "media_list_data": [],
      "string_list_data": [
        {
          "href": "https://www.instagram.com/promo.bot",
          "value": "promo.bot",
          "timestamp": 1630000290
        }
      ]
    }
  ]
}
'''

IG_2021_FOLLOWING = r'''{
  "relationships_following": [
    {
      "title": "",
      "media_list_data": [],
      "string_list_data": [
        {
          "href": "https://www.instagram.com/sam.sample",
          "value": "sam.sample",
          "timestamp": 1620000000
        }
      ]
    }
  ]
}
'''

IG_2021_PERSONAL = r'''{"profile_user": [{"title": "", "media_map_data": {}, "string_map_data": {
  "Name": {"href": "", "value": "Alex Example", "timestamp": 0},
  "Username": {"href": "", "value": "alex.example", "timestamp": 0}}}]}
'''


def ig_2021_files() -> dict[str, str]:
    return {
        "messages/inbox/samsample_98765/message_1.json": IG_2021_SAM,
        "messages/message_requests/promobot_55555/message_1.json": IG_2021_REQUEST,
        "followers_and_following/followers.json": IG_2021_FOLLOWERS,
        "followers_and_following/following.json": IG_2021_FOLLOWING,
        "personal_information/personal_information.json": IG_2021_PERSONAL,
    }


# --- Instagram legacy (to ~2019): one messages.json with usernames and ISO times

IG_LEGACY_MESSAGES = r'''[
  {
    "participants": ["alex.example", "sam.sample"],
    "conversation": [
      {"sender": "sam.sample", "created_at": "2018-05-01T10:00:07.123456+00:00",
       "text": "Thanks for following! caf\u00c3\u00a9 \u00f0\u009f\u0098\u00a2", "link": "https://example.org/x"},
      {"sender": "alex.example", "created_at": "2018-05-01T09:00:00.000000+00:00", "text": "hello"},
      {"sender": "sam.sample", "created_at": "2018-04-30T09:00:00", "heart": "\u00e2\u009d\u00a4\u00ef\u00b8\u008f"},
      {"sender": "sam.sample", "created_at": "not a date", "text": "bad time"}
    ]
  },
  {
    "participants": ["alex.example", "kim.k"],
    "conversation": [
      {"sender": "kim.k", "created_at": "2018-06-01T12:00:00+02:00", "text": "hey"}
    ]
  }
]
'''

IG_LEGACY_CONNECTIONS = r'''{
  "close_friends": {},
  "followers": {"sam.sample": "2018-05-01T10:00:00", "kim.k": "2018-05-20T08:30:00"},
  "following": {"sam.sample": "2018-04-01T00:00:00"}
}
'''

IG_LEGACY_PROFILE = r'''{"biography": "", "date_joined": "2015-01-01T00:00:00", "email": "alex@example.org",
 "gender": "", "name": "Alex Example", "username": "alex.example"}
'''


def ig_legacy_files() -> dict[str, str]:
    return {
        "messages.json": IG_LEGACY_MESSAGES,
        "connections.json": IG_LEGACY_CONNECTIONS,
        "profile.json": IG_LEGACY_PROFILE,
        "media.json": '{"photos": []}',
    }


# --- Messenger 2018-2022: messages/inbox + siblings, thread_type, type, sticker, German texts

FB_SAM = r'''{
  "participants": [
    {
      "name": "Sam Sample"
    },
    {
      "name": "Alex Example"
    }
  ],
  "messages": [
    {
      "sender_name": "Sam Sample",
      "timestamp_ms": 1546300800000,
      "content": "Sam hat einen Anhang gesendet.",
      "files": [
        {
          "uri": "messages/inbox/SamSample_a1b2c3d4e5/files/doc.pdf",
          "creation_timestamp": 1546300800
        }
      ],
      "type": "Generic"
    },
    {
      "sender_name": "Sam Sample",
      "timestamp_ms": 1546300700000,
      "sticker": {
        "uri": "messages/stickers_used/39178562_1505197616293642_5411344281094848512_n_369239263222822.png"
      },
      "type": "Generic"
    },
    {
      "sender_name": "Sam Sample",
      "timestamp_ms": 1546300600000,
      "content": "Sam Sample hat dich angerufen.",
      "call_duration": 0,
      "type": "Call"
    },
    {
      "sender_name": "Alex Example",
      "timestamp_ms": 1546300500000,
      "content": "Schau mal: https://example.org",
      "share": {
        "link": "https://example.org"
      },
      "type": "Share"
    },
    {
      "sender_name": "Sam Sample",
      "timestamp_ms": 1546300400000,
      "content": "Gr\u00c3\u00bc\u00c3\u009f dich! Sch\u00c3\u00b6n, dass wir verbunden sind \u00f0\u009f\u0098\u0080",
      "type": "Generic"
    }
  ],
  "title": "Sam Sample",
  "is_still_participant": true,
  "thread_type": "Regular",
  "thread_path": "inbox/SamSample_a1b2c3d4e5"
}
'''

FB_GROUP = r'''{
  "participants": [
    {
      "name": "Sam Sample"
    },
    {
      "name": "J\u00c3\u00bcrgen Gro\u00c3\u009f"
    },
    {
      "name": "Alex Example"
    }
  ],
  "messages": [
    {
      "sender_name": "J\u00c3\u00bcrgen Gro\u00c3\u009f",
      "timestamp_ms": 1546400300000,
      "content": "J\u00c3\u00bcrgen hat die Gruppe verlassen.",
      "type": "Unsubscribe",
      "users": [
        {
          "name": "J\u00c3\u00bcrgen Gro\u00c3\u009f"
        }
      ]
    },
    {
      "sender_name": "J\u00c3\u00bcrgen Gro\u00c3\u009f",
      "timestamp_ms": 1546400200000,
      "content": "Servus! Sch\u00c3\u00b6ne Gr\u00c3\u00bc\u00c3\u009fe",
      "type": "Generic"
    },
    {
      "sender_name": "Sam Sample",
      "timestamp_ms": 1546400100000,
      "content": "Sam Sample hat J\u00c3\u00bcrgen zur Gruppe hinzugef\u00c3\u00bcgt.",
      "type": "Subscribe",
      "users": [
        {
          "name": "J\u00c3\u00bcrgen Gro\u00c3\u009f"
        }
      ]
    }
  ],
  "title": "Stammtisch",
  "is_still_participant": true,
  "thread_type": "RegularGroup",
  "thread_path": "inbox/Stammtisch_f6g7h8i9j0"
}
'''


def _fb_one(folder: str, thread: str, sender: str, ts: int, text: str) -> str:
    """A one-message Messenger thread of the 2018 era (ASCII names and text only)."""
    return (r'''{
  "participants": [
    {
      "name": "SENDER"
    },
    {
      "name": "Alex Example"
    }
  ],
  "messages": [
    {
      "sender_name": "SENDER",
      "timestamp_ms": TS,
      "content": "TEXT",
      "type": "Generic"
    }
  ],
  "title": "SENDER",
  "is_still_participant": true,
  "thread_type": "Regular",
  "thread_path": "FOLDER/THREAD"
}
'''.replace("SENDER", sender).replace("TS", str(ts)).replace("TEXT", text).replace("FOLDER", folder)
            .replace("THREAD", thread))


FB_FRIENDS_OLD = r'''{
  "friends": [
    {
      "name": "Sam Sample",
      "timestamp": 1546000000
    },
    {
      "name": "J\u00c3\u00bcrgen Gro\u00c3\u009f",
      "timestamp": 1546100000,
      "contact_info": "juergen@example.org"
    }
  ]
}
'''

FB_PROFILE_OLD = r'''{
  "profile": {
    "name": {
      "full_name": "Alex Example",
      "first_name": "Alex",
      "last_name": "Example"
    },
    "username": "alex.example"
  }
}
'''


def fb_2018_files() -> dict[str, str]:
    return {
        "messages/inbox/SamSample_a1b2c3d4e5/message_1.json": FB_SAM,
        "messages/inbox/Stammtisch_f6g7h8i9j0/message_1.json": FB_GROUP,
        "messages/filtered_threads/GrowthGuru_k1l2m3/message_1.json": _fb_one(
            "filtered_threads", "GrowthGuru_k1l2m3", "Growth Guru", 1546500000000,
            "Thanks for connecting! Here is my free course: https://example.org/course"),
        "messages/archived_threads/OldFriend_n4o5p6/message_1.json": _fb_one(
            "archived_threads", "OldFriend_n4o5p6", "Old Friend", 1546600000000, "long time no see"),
        "messages/message_requests/BulkSender_q7r8s9/message_1.json": _fb_one(
            "message_requests", "BulkSender_q7r8s9", "Bulk Sender", 1546700000000, "Hi! Quick question for you"),
        "messages/stickers_used/39178562_n_369239263222822.png": "png",
        "friends/friends.json": FB_FRIENDS_OLD,
        "friends/sent_friend_requests.json": '{"sent_requests": []}',
        "profile_information/profile_information.json": FB_PROFILE_OLD,
    }


# --- Messenger 2023+: your_facebook_activity/, no type, is_* flags, connections/ with _v2/_v3

FB23_SAM_1 = r'''{
  "participants": [
    {
      "name": "Sam Sample"
    },
    {
      "name": "Alex Example"
    }
  ],
  "messages": [
    {
      "sender_name": "Sam Sample",
      "timestamp_ms": 1700000300000,
      "content": "\u00c3\u0080 bient\u00c3\u00b4t \u00f0\u009f\u0091\u008b",
      "is_geoblocked_for_viewer": false,
      "is_unsent_image_by_messenger_kid_parent": false
    }
  ],
  "title": "Sam Sample",
  "is_still_participant": true,
  "thread_path": "inbox/samsample_10158234567890123",
  "magic_words": []
}
'''

FB23_SAM_2 = r'''{
  "participants": [
    {
      "name": "Sam Sample"
    },
    {
      "name": "Alex Example"
    }
  ],
  "messages": [
    {
      "sender_name": "Alex Example",
      "timestamp_ms": 1700000200000,
      "content": "Salut Sam",
      "is_geoblocked_for_viewer": false,
      "is_unsent_image_by_messenger_kid_parent": false
    },
    {
      "sender_name": "Sam Sample",
      "timestamp_ms": 1700000100000,
      "content": "Sam a envoy\u00c3\u00a9 une pi\u00c3\u00a8ce jointe.",
      "is_geoblocked_for_viewer": false,
      "is_unsent_image_by_messenger_kid_parent": false
    }
  ],
  "title": "Sam Sample",
  "is_still_participant": true,
  "thread_path": "inbox/samsample_10158234567890123",
  "magic_words": []
}
'''

FB23_CUTOVER = r'''{
  "participants": [
    {
      "name": "Mar\u00c3\u00ada Garc\u00c3\u00ada"
    },
    {
      "name": "Alex Example"
    }
  ],
  "messages": [
    {
      "sender_name": "Mar\u00c3\u00ada Garc\u00c3\u00ada",
      "timestamp_ms": 1700000400000,
      "content": "\u00c2\u00bfQu\u00c3\u00a9 tal?",
      "is_geoblocked_for_viewer": false,
      "is_unsent_image_by_messenger_kid_parent": false
    },
    {
      "sender_name": "Mar\u00c3\u00ada Garc\u00c3\u00ada",
      "timestamp_ms": 1700000350000,
      "content": "Le gust\u00c3\u00b3 un mensaje",
      "is_geoblocked_for_viewer": false,
      "is_unsent_image_by_messenger_kid_parent": false
    }
  ],
  "title": "Mar\u00c3\u00ada Garc\u00c3\u00ada",
  "is_still_participant": true,
  "thread_path": "e2ee_cutover/mariagarcia_10159876543210987",
  "magic_words": []
}
'''

FB23_FRIENDS = r'''{
  "friends_v2": [
    {
      "name": "Sam Sample",
      "timestamp": 1699990000
    },
    {
      "name": "Mar\u00c3\u00ada Garc\u00c3\u00ada",
      "timestamp": 1699000000
    }
  ]
}
'''

FB23_FOLLOWERS = r'''{
  "followers_v3": [
    {
      "name": "Growth Guru",
      "timestamp": 1700000000
    }
  ]
}
'''

FB23_FOLLOWING = r'''{
  "following_v2": [
    {
      "name": "Mar\u00c3\u00ada Garc\u00c3\u00ada",
      "timestamp": 1698000000
    }
  ]
}
'''

FB23_PROFILE = r'''{
  "profile_v2": {
    "name": {
      "full_name": "Alex Example",
      "first_name": "Alex",
      "middle_name": "",
      "last_name": "Example"
    },
    "username": "alex.example"
  }
}
'''


def fb_2023_files() -> dict[str, str]:
    a = "your_facebook_activity/messages"
    return {
        f"{a}/inbox/samsample_10158234567890123/message_1.json": FB23_SAM_1,
        f"{a}/inbox/samsample_10158234567890123/message_2.json": FB23_SAM_2,
        f"{a}/e2ee_cutover/mariagarcia_10159876543210987/message_1.json": FB23_CUTOVER,
        f"{a}/autofill_information.json": '{"autofill_information_v2": {}}',
        "connections/friends/your_friends.json": FB23_FRIENDS,
        "connections/followers/people_who_followed_you.json": FB23_FOLLOWERS,
        "connections/followers/who_you've_followed.json": FB23_FOLLOWING,
        "personal_information/profile_information/profile_information.json": FB23_PROFILE,
    }


# --- Messenger end-to-end-encrypted download: camelCase, clean UTF-8, one file per thread

E2EE_SAM = '''{
  "participants": ["Sam Sample", "Alex Example"],
  "threadName": "Sam Sample_1",
  "messages": [
    {"senderName": "Sam Sample", "timestamp": 1711900300000, "text": "User unsent a message", "type": "text",
     "isUnsent": true, "media": [], "reactions": []},
    {"senderName": "Sam Sample", "timestamp": 1711900200000, "text": "", "type": "media", "isUnsent": false,
     "media": [{"uri": "./media/photo_1.jpg"}], "reactions": []},
    {"senderName": "Alex Example", "timestamp": 1711900100000, "text": "on m'a dit cafÃ© — ça reste tel quel",
     "type": "text", "isUnsent": false, "media": [], "reactions": []},
    {"senderName": "Sam Sample", "timestamp": 1711900000000, "text": "Café demain ? 😢", "type": "text",
     "isUnsent": false, "media": [], "reactions": [{"actor": "Alex Example", "reaction": "❤"}]}
  ]
}
'''

E2EE_GURU = '''{
  "participants": ["Growth Guru", "Alex Example"],
  "threadName": "Growth Guru_2",
  "messages": [
    {"senderName": "Growth Guru", "timestamp": 1711950000000, "text": "Thanks for connecting! https://example.org/x",
     "type": "link", "isUnsent": false, "media": [], "reactions": []},
    {"senderName": "Growth Guru", "timestamp": 1711940000000, "text": "placeholder", "type": "placeholder",
     "isUnsent": false, "media": [], "reactions": []}
  ]
}
'''


# --- helpers


def other_account(files: dict[str, str]) -> dict[str, str]:
    """The same export made by another account (Bo Other, bo.other) with the same contacts."""
    return {k: v.replace("Alex Example", "Bo Other").replace("alex.example", "bo.other").replace("alex@", "bo@")
            for k, v in files.items()}


def write_folder(root: Path, files: dict[str, str | bytes], top: str = "") -> Path:
    """Write ``files`` under ``root`` (inside ``top`` if given) and return ``root``."""
    for name, data in files.items():
        p = root / top / name if top else root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return root


def write_zip(path: Path, files: dict[str, str | bytes], top: str = "") -> Path:
    """Write ``files`` into the zip ``path`` (inside the folder ``top`` if given)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(f"{top}/{name}" if top else name, data)
    return path


def neutral_inbox() -> Inbox:
    """A small platform-neutral inbox (the simulate writers' input) with accents, emoji and links."""
    t0 = pd.Timestamp("2024-03-01T10:00:00Z").value // 10**6
    rows = MessageRows()
    people = {
        "u1": ("Chloé Müller ✨", "chloe.muller"),
        "u2": ("Sam Sample", "sam.sample"),
        "u3": ("Growth Guru 🚀", "growth.guru"),
        "u4": ("kim.k", "kim.k"),
        "u5": ("Jürgen Groß", "juergen.gross"),
    }
    msgs = [
        # (id, conversation, sender, seconds after t0 (ms precision), text, urls)
        ("m1", "c-u3", "u3", 7.250, "Thanks for the follow! Free guide 🚀 → https://example.org/free", []),
        ("m2", "c-u1", "u1", 3600.5, "Tu viens au café demain ? 😢", []),
        ("m3", "c-u1", "owner", 3700.0, "Oui ! À demain", []),
        ("m4", "c-u1", "u1", 3800.001, "Super — merci 🙏", ["https://example.org/menu"]),
        ("m5", "c-u2", "u2", 86400.0, "hey, quick question about your post", []),
        ("m6", "c-u4", "u4", 90000.0, "Check out my page!", []),
        ("m7", "c-u4", "u4", 90000.0 + 3 * 86400, "Did you see my last message?", []),
        ("m8", "c-u5", "u5", 100000.0, "Grüß dich, schöne Grüße aus München", []),
        ("m9", "c-u2", "owner", 86500.0, "sure, ask away", []),
    ]
    for mid, conv, sender, secs, text, urls in msgs:
        out = sender == "owner"
        other = conv[2:]
        name, uname = (OWNER, "alex.example") if out else people[sender]
        rows.add(message_id=mid, conversation_id=conv, sender_id=sender, sender_name=name, sender_username=uname,
                 recipient_id=other if out else "owner", sent_at=t0 + round(secs * 1000), text=text, urls=urls,
                 outgoing=out)
    follows = FollowRows()
    for uid, secs, direction in (("u3", 0, "follower"), ("u1", -86400, "following"), ("u2", -5 * 86400, "follower"),
                                 ("u2", -4 * 86400, "following"), ("u5", -86400 * 30, "connection")):
        follows.add(user_id=uid, user_name=people[uid][1], followed_at=t0 // 1000 + secs, direction=direction)
    return make_inbox(platform="canonical", source="neutral", messages=rows, follows=follows,
                      owner=Owner(id="owner", name=OWNER, handle="alex.example"), skips=Skips(),
                      message_times="epoch_ms", follow_times="epoch_s")
