"""Data: the platform directory as first published with the portal. Later changes go in later migrations or
the admin. `verified=False` marks facts (addresses, form links, markers) not yet checked against what the
platform itself publishes; caseworkers see the flag on the board."""

from django.db import migrations

TIDA = "TAKE IT DOWN Act: remove within 48 hours of a valid request (covered platforms, from 19 May 2026)."
US_BASES = ["take_it_down", "platform_policy", "dsa_art16", "dmca"]
REAL = ["real_image", "private_image", "former_partner", "hack", "unknown_person", "extortion"]
AI = ["ai_generated"]

META_NCII = "https://about.meta.com/actions/safety/topics/bullying-harassment/ncii"
OVERSIGHT = {
    "purpose": "appeal",
    "method": "web_form",
    "label": "Oversight Board appeal (after Meta's own review)",
    "url": "https://www.oversightboard.com/appeals-process/",
    "bases": ["appeal"],
    "notes": "Only after an in-app review request was refused; needs the reference Meta gives.",
}
META_REVIEW = {
    "purpose": "appeal",
    "method": "in_app",
    "label": "Request a review in the Support Inbox",
    "bases": ["appeal"],
    "priority": 10,
}


def meta_channels(app_help: str) -> list[dict]:
    return [
        {
            "method": "web_form",
            "label": "Help Center: intimate images shared without consent",
            "url": app_help,
            "situations": REAL + AI,
            "bases": ["take_it_down", "platform_policy"],
            "source": META_NCII,
            "priority": 10,
        },
        {
            "method": "in_app",
            "label": "Report the post: 'Nudity or sexual activity' > 'Sharing private images'",
            "situations": REAL + AI,
            "bases": ["platform_policy"],
            "source": META_NCII,
            "verified": True,
            "priority": 20,
        },
        {
            "method": "web_form",
            "label": "EU illegal content report (DSA)",
            "url": app_help,
            "bases": ["dsa_art16"],
            "priority": 30,
        },
        {"method": "web_form", "label": "Intellectual property report", "url": app_help, "bases": ["dmca"]},
        META_REVIEW,
        OVERSIGHT,
    ]


def social(slug, name, domains, short=(), **extra):
    entry = {
        "slug": slug,
        "name": name,
        "kind": "platform",
        "domains": list(domains),
        "short": list(short),
        "bases": US_BASES,
        "deadline_hours": 48,
        "deadline_note": TIDA,
        "partner": False,
        "indexable": True,
        "markers": [],
        "verified": False,
        "notes": "",
        "channels": [],
    }
    entry.update(extra)
    return entry


def simple_channels(form_label, form_url, *, email="", appeal_in_app=True, dmca_url=""):
    channels = [
        {
            "method": "web_form",
            "label": form_label,
            "url": form_url,
            "bases": ["take_it_down", "platform_policy", "dsa_art16"],
            "priority": 10,
        },
        {
            "method": "in_app",
            "label": "Report the post in the app",
            "bases": ["platform_policy"],
            "priority": 20,
        },
    ]
    if email:
        channels.append(
            {
                "method": "email",
                "label": "Abuse desk by email",
                "email": email,
                "bases": ["take_it_down", "platform_policy", "dsa_art16"],
                "priority": 15,
            }
        )
    if dmca_url:
        channels.append({"method": "web_form", "label": "Copyright (DMCA) form", "url": dmca_url, "bases": ["dmca"]})
    if appeal_in_app:
        channels.append(
            {"purpose": "appeal", "method": "in_app", "label": "Appeal the decision in the app", "bases": ["appeal"]}
        )
    return channels


DIRECTORY = [
    social(
        "facebook",
        "Facebook",
        ["facebook.com", "fb.com", "fbcdn.net", "messenger.com"],
        ["fb.watch", "fb.me", "m.me"],
        partner=True,
        markers=["this content isn't available right now", "this content isn't available at the moment"],
        notes="Hash-sharing partner through StopNCII (published on Meta's NCII page).",
        channels=meta_channels("https://www.facebook.com/help/"),
    ),
    social(
        "instagram",
        "Instagram",
        ["instagram.com", "cdninstagram.com"],
        ["instagr.am"],
        partner=True,
        markers=["sorry, this page isn't available", "this page isn't available"],
        notes="Hash-sharing partner through StopNCII (published on Meta's NCII page).",
        channels=meta_channels("https://help.instagram.com/"),
    ),
    social(
        "threads",
        "Threads",
        ["threads.net", "threads.com"],
        partner=True,
        markers=["sorry, this page isn't available"],
        notes="Meta's; reports go through Instagram's help centre.",
        channels=meta_channels("https://help.instagram.com/"),
    ),
    social(
        "x",
        "X (Twitter)",
        ["x.com", "twitter.com", "twimg.com"],
        ["t.co"],
        markers=["this page doesn't exist", "this post was deleted", "this post is unavailable"],
        channels=simple_channels(
            "Help Center: report private or intimate media",
            "https://help.x.com/en/forms",
            dmca_url="https://help.x.com/en/forms/ipi",
        ),
    ),
    social(
        "tiktok",
        "TikTok",
        ["tiktok.com"],
        partner=True,
        markers=["video currently unavailable", "couldn't find this account"],
        notes="Listed by StopNCII as a partner (not checked here).",
        channels=simple_channels(
            "Report a privacy or safety violation (web form)", "https://www.tiktok.com/legal/report"
        ),
    ),
    social(
        "reddit",
        "Reddit",
        ["reddit.com", "redditmedia.com", "redditstatic.com"],
        ["redd.it"],
        partner=True,
        markers=["sorry, this post was removed", "this post was removed", "sorry, this post has been removed"],
        notes="Listed by StopNCII as a partner (not checked here).",
        channels=simple_channels(
            "Report non-consensual intimate media (web form)",
            "https://www.reddit.com/report",
            dmca_url="https://www.reddit.com/report",
        ),
    ),
    social(
        "snapchat",
        "Snapchat",
        ["snapchat.com"],
        partner=True,
        indexable=False,
        notes="Mostly private content: no de-index request is drafted for its URLs.",
        channels=simple_channels("Snapchat Support: report a safety concern", "https://help.snapchat.com/"),
    ),
    social(
        "discord",
        "Discord",
        ["discord.com", "discordapp.com", "discordapp.net"],
        ["discord.gg"],
        indexable=False,
        channels=simple_channels("Trust & Safety request form", "https://dis.gd/request"),
    ),
    social(
        "telegram",
        "Telegram",
        ["telegram.org", "telegram.me", "telegra.ph"],
        ["t.me"],
        channels=simple_channels("Report in the app", "", email="abuse@telegram.org")[1:],
        notes="Telegram asks for illegal public content to be reported by email or in the app.",
    ),
    social(
        "aylo",
        "Pornhub / Aylo",
        ["pornhub.com", "youporn.com", "redtube.com", "tube8.com"],
        partner=True,
        markers=["video has been disabled", "this video has been removed", "page not found"],
        notes="Aylo runs several tube sites with one content-removal process.",
        channels=simple_channels(
            "Content removal request form", "https://www.pornhub.com/content-removal", appeal_in_app=False
        ),
    ),
    social(
        "onlyfans",
        "OnlyFans",
        ["onlyfans.com"],
        partner=True,
        channels=simple_channels(
            "Report content (Help Center)", "https://onlyfans.com/help", appeal_in_app=False
        ),
    ),
    social(
        "youtube",
        "YouTube",
        ["youtube.com", "youtube-nocookie.com"],
        ["youtu.be"],
        markers=["video unavailable", "this video has been removed", "this video isn't available anymore"],
        channels=simple_channels(
            "Privacy complaint process",
            "https://support.google.com/youtube/answer/142443",
            dmca_url="https://support.google.com/youtube/answer/2807622",
        ),
    ),
    social(
        "tumblr",
        "Tumblr",
        ["tumblr.com"],
        ["tmblr.co"],
        markers=["there's nothing here", "this tumblr has been terminated"],
        channels=simple_channels("Abuse report form", "https://www.tumblr.com/abuse"),
    ),
    social(
        "bumble",
        "Bumble",
        ["bumble.com"],
        partner=True,
        indexable=False,
        notes="Dating app: profiles and chats are reported in the app.",
        channels=simple_channels("Contact Bumble support", "https://bumble.com/help"),
    ),
    {
        "slug": "google",
        "name": "Google Search",
        "kind": "search_engine",
        "domains": [
            "google.com",
            "google.co.uk",
            "google.de",
            "google.fr",
            "google.es",
            "google.it",
            "google.nl",
            "google.ie",
            "google.ca",
            "google.com.au",
            "google.com.br",
            "google.com.mx",
            "google.co.in",
        ],
        "short": ["goo.gl"],
        "bases": ["google_ncii", "dsa_art16"],
        "deadline_hours": 168,
        "deadline_note": "The helpline's own chase-up time: Google publishes no deadline for de-listing.",
        "verified": True,
        "notes": "De-lists URLs from results; it does not remove the content from the site.",
        "channels": [
            {
                "method": "web_form",
                "label": "Remove explicit or intimate personal images from Google",
                "url": "https://support.google.com/websearch/answer/6302812",
                "situations": REAL,
                "bases": ["google_ncii"],
                "verified": True,
                "source": "https://support.google.com/websearch/answer/6302812",
                "priority": 10,
            },
            {
                "method": "web_form",
                "label": "Remove explicit non-consensual fake imagery from Google",
                "url": "https://support.google.com/websearch/answer/9116649",
                "situations": AI,
                "bases": ["google_ncii"],
                "verified": True,
                "source": "https://support.google.com/websearch/answer/9116649",
                "priority": 10,
            },
            {
                "purpose": "appeal",
                "method": "web_form",
                "label": "Re-submit with more information",
                "url": "https://support.google.com/websearch/answer/6302812",
                "bases": ["appeal"],
                "verified": True,
                "notes": "Google asks people to re-submit when they have more material after a refusal.",
            },
        ],
    },
    {
        "slug": "bing",
        "name": "Bing (also DuckDuckGo, Yahoo, Ecosia results)",
        "kind": "search_engine",
        "domains": ["bing.com", "duckduckgo.com", "search.yahoo.com", "ecosia.org"],
        "short": [],
        "bases": ["bing_ncii", "dsa_art16"],
        "deadline_hours": 168,
        "deadline_note": "The helpline's own chase-up time: Microsoft publishes no deadline for de-listing.",
        "partner": True,
        "notes": "Bing's index also serves DuckDuckGo and other engines. Microsoft works with StopNCII.",
        "channels": [
            {
                "method": "web_form",
                "label": "Microsoft: report non-consensual intimate imagery",
                "url": "https://www.microsoft.com/en-us/concern/revengeporn",
                "bases": ["bing_ncii"],
                "priority": 10,
            },
        ],
    },
    {
        "slug": "yandex",
        "name": "Yandex",
        "kind": "search_engine",
        "domains": ["yandex.com", "yandex.ru", "ya.ru"],
        "short": [],
        "bases": ["platform_policy"],
        "deadline_hours": 168,
        "deadline_note": "The helpline's own chase-up time.",
        "notes": "Requests in English are accepted through its support forms (not checked here).",
        "channels": [
            {
                "method": "web_form",
                "label": "Yandex Search support: remove a page from results",
                "url": "https://yandex.com/support/search/",
                "bases": ["platform_policy"],
            },
        ],
    },
    {
        "slug": "other",
        "name": "Other website",
        "kind": "host",
        "catch_all": True,
        "domains": [],
        "short": [],
        "bases": ["take_it_down", "dsa_art16", "platform_policy", "dmca"],
        "deadline_hours": 48,
        "deadline_note": TIDA + " Applies if the site is a covered platform.",
        "verified": True,
        "markers": ["this content is no longer available", "content has been removed"],
        "notes": "Any host not in the directory: find its abuse address or form (its site, or the hosting "
        "company's abuse contact in WHOIS/RDAP) and enter it on the request.",
        "channels": [],
    },
    {
        "slug": "us-ftc",
        "name": "US Federal Trade Commission",
        "kind": "authority",
        "domains": [],
        "short": [],
        "bases": ["regulator_complaint"],
        "verified": True,
        "notes": "Enforces the TAKE IT DOWN Act's notice-and-removal duty against covered platforms.",
        "channels": [
            {
                "purpose": "regulator",
                "method": "web_form",
                "label": "FTC complaint (TAKE IT DOWN Act)",
                "url": "https://reportfraud.ftc.gov/",
                "bases": ["take_it_down"],
                "notes": "The FTC may publish a dedicated form; check before sending.",
            }
        ],
    },
    {
        "slug": "ie-cnam",
        "name": "Coimisiún na Meán (Ireland's Digital Services Coordinator)",
        "kind": "authority",
        "domains": [],
        "short": [],
        "bases": ["regulator_complaint"],
        "notes": "Digital Services Coordinator for the many platforms established in Ireland.",
        "channels": [
            {
                "purpose": "regulator",
                "method": "web_form",
                "label": "DSA complaint to the Digital Services Coordinator",
                "url": "https://www.cnam.ie/",
                "bases": ["dsa_art16"],
            }
        ],
    },
]


def load_directory(apps, schema_editor):
    """Create every entry that is missing; entries already present (edited in the admin) are kept."""
    Platform = apps.get_model("removals", "Platform")
    PlatformDomain = apps.get_model("removals", "PlatformDomain")
    ReportingChannel = apps.get_model("removals", "ReportingChannel")
    for entry in DIRECTORY:
        platform, created = Platform.objects.get_or_create(
            slug=entry["slug"],
            defaults={
                "name": entry["name"],
                "kind": entry["kind"],
                "accepted_bases": entry["bases"],
                "deadline_hours": entry.get("deadline_hours"),
                "deadline_note": entry.get("deadline_note", ""),
                "is_hash_partner": entry.get("partner", False),
                "indexable": entry.get("indexable", True),
                "is_catch_all": entry.get("catch_all", False),
                "removed_markers": entry.get("markers", []),
                "verified": entry.get("verified", False),
                "notes": entry.get("notes", ""),
            },
        )
        if not created:
            continue
        for domain in entry["domains"]:
            PlatformDomain.objects.get_or_create(domain=domain, defaults={"platform": platform})
        for domain in entry["short"]:
            PlatformDomain.objects.get_or_create(domain=domain, defaults={"platform": platform, "is_short_link": True})
        for channel in entry["channels"]:
            ReportingChannel.objects.create(
                platform=platform,
                purpose=channel.get("purpose", "report"),
                method=channel["method"],
                label=channel["label"],
                url=channel.get("url", ""),
                email=channel.get("email", ""),
                situations=channel.get("situations", []),
                bases=channel.get("bases", []),
                priority=channel.get("priority", 100),
                verified=channel.get("verified", False),
                source=channel.get("source", ""),
                notes=channel.get("notes", ""),
            )


def unload_directory(apps, schema_editor):
    apps.get_model("removals", "Platform").objects.filter(slug__in=[e["slug"] for e in DIRECTORY]).delete()


class Migration(migrations.Migration):
    dependencies = [("removals", "0001_initial")]

    operations = [migrations.RunPython(load_directory, unload_directory)]
