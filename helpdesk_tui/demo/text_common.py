"""Language-independent ticket material: topics, internal notes, system messages, hostile input.

Placeholders in braces (``{domain}``, ``{server}``, …) are filled per ticket by the generator;
any other brace (nginx ``%{...}``, JSON) is left alone.
"""

from __future__ import annotations

from typing import NamedTuple


class Topic(NamedTuple):
    key: str
    weight: int  # relative frequency
    group: str
    tags: tuple[str, ...]
    priorities: tuple[int, int, int, int]  # weights out of 20 for low, normal, high, urgent


TOPICS = (
    Topic("site_down", 12, "Technical", ("site-down", "outage"), (0, 3, 8, 9)),
    Topic("dns", 9, "Domains", ("dns", "propagation"), (2, 10, 6, 2)),
    Topic("mail", 10, "Email", ("email", "deliverability"), (1, 9, 8, 2)),
    Topic("spf_dkim", 5, "Email", ("email", "spf", "dkim"), (5, 12, 3, 0)),
    Topic("billing", 9, "Billing", ("billing", "invoice"), (6, 12, 2, 0)),
    Topic("refund", 5, "Billing", ("billing", "refund"), (5, 13, 2, 0)),
    Topic("cancel", 4, "Billing", ("cancellation",), (8, 11, 1, 0)),
    Topic("password", 8, "Accounts", ("password", "login"), (2, 12, 5, 1)),
    Topic("twofa", 4, "Accounts", ("2fa", "login"), (1, 10, 8, 1)),
    Topic("ssl", 7, "Technical", ("ssl", "certificate"), (1, 8, 8, 3)),
    Topic("slow", 6, "Technical", ("performance",), (3, 12, 4, 1)),
    Topic("backup", 5, "Technical", ("backup", "restore"), (1, 8, 8, 3)),
    Topic("ftp", 4, "Technical", ("ftp", "sftp"), (4, 13, 3, 0)),
    Topic("php", 4, "Technical", ("php",), (4, 11, 4, 1)),
    Topic("database", 4, "Technical", ("database", "mysql"), (3, 11, 5, 1)),
)
TOPIC_KEYS = tuple(t.key for t in TOPICS)

# Internal notes are agent-to-agent, in English, whatever the customer's language.
NOTES_BY_TOPIC: dict[str, tuple[str, ...]] = {
    "site_down": (
        "Checked logs on {server}, looks like the disk filled up (`/var/log` at 38G). Rotated logs, site is back.",
        "@{colleague} can you look at the php-fpm pool on {server}? It hits max_children every few minutes:\n\n"
        "```\nWARNING: [pool www] server reached pm.max_children setting (20), consider raising it\n```",
        "Same symptom on three other sites on {server} — probably related to INC-{number}. Linking.",
    ),
    "dns": (
        "Registrar still shows the old NS; nothing we can do until they update it there.",
        "Zone on our side is fine:\n\n```\n$ dig @ns1.hostingco.example {domain} A +short\n203.0.113.80\n```",
    ),
    "mail": (
        "Mailbox info@ at 100% quota (2.0/2.0 GB). Bumped to 5 GB as a courtesy, **tell billing**.",
        "Postfix queue on mx1 has 340 deferred messages for {domain}: greylisting on the recipient side.",
    ),
    "spf_dkim": (
        "DKIM selector `hc1` was never published for {domain}. Added the TXT from admin tools.",
        "They have two SPF records (one from their newsletter tool). Only one is allowed — merge them.",
    ),
    "billing": (
        "Stripe shows one capture plus one authorization hold that was released. No duplicate charge. @{colleague} FYI in case they call.",
        "Customer is on the legacy price; the renewal increase is expected. Offer the 10% loyalty discount if they push back.",
    ),
    "refund": (
        "Within 30 days, so eligible. Refund issued in Stripe; domain fee kept.",
        "Third refund request this year for this account. Checking with the billing lead before approving.",
    ),
    "cancel": (
        "Cancellation scheduled at term end, retention offer declined. Final backup link sent.",
    ),
    "password": (
        "Lockout came from fail2ban on the panel: 40 failed attempts from 198.51.100.7, probably an old saved password in their FTP client.",
        "Reset mails are delivered (see mail log), their provider files them as spam.",
    ),
    "twofa": (
        "Identity verified (card last 4 + account PIN). Disabled 2FA; asked them to re-enrol and keep the backup codes.",
        "Phone clock was 3 minutes off — TOTP window is 30 s. Told them to enable automatic time.",
    ),
    "ssl": (
        "ACME challenge blocked by their `.htaccess` redirect to www. Added an exception and re-issued: valid 90 days.",
        "CAA record only allows `digicert.com`, so Let's Encrypt refuses to issue. Asked the customer.",
    ),
    "slow": (
        "Slow query log: `SELECT option_name, option_value FROM wp_options WHERE autoload = 'yes'` takes 2.8 s. Autoload bloat from a cache plugin.",
        "CPU steal on {server} was high this morning (noisy neighbour). Moved the container to web-31.",
    ),
    "backup": (
        "Restored from the 02:00 UTC snapshot, files only, to the original path. 4,213 files.",
        "Customer wants a restore from 40 days ago; retention is 30. Checking the cold archive with @{colleague}.",
    ),
    "ftp": (
        "Plain FTP was disabled fleet-wide on the 1st; the customer missed the announcement. Walked them through SFTP.",
    ),
    "php": (
        "Pinned PHP 8.1 for this vhost; the plugin is abandoned upstream, suggested a replacement.",
    ),
    "database": (
        "Largest table is `wp_actionscheduler_logs` (640 MB). Safe to purge — suggested the cleanup setting instead.",
        "max_user_connections (30) reached: a cron job opens a connection per row. Sent them the details.",
    ),
}

NOTES_GENERIC = (
    "Escalating: I'm out of ideas here. @{colleague} could you take over?",
    "Customer also called the hotline about this. Same issue, nothing new.",
    "Looks related to the incident on {server} this morning (INC-{number}).",
    "Checked the account: **{plan}** plan, paid up, no open invoices.",
    "Heads-up: this customer has a profile note, read it before replying.",
    "Waiting on the customer. If nothing by Friday, close it.",
    "- tried a restart of the service\n- checked the firewall (nothing blocked)\n- logs attached in the admin panel\n\nStill no idea what's wrong.",
)

# Handing a ticket to a colleague: the note that goes with the reassignment.
HANDOVER_NOTES = (
    "@{colleague} taking this one over? You know this setup better than I do.",
    "Handing over to @{colleague} (billing side). Context is in the thread above.",
    "@{colleague} this needs root on {server}, assigning to you.",
)

SYSTEM_MESSAGES = (
    "Auto-reply sent: “We have received your request (#{number}) and will get back to you shortly.”",
    "Ticket #{other} was merged into this ticket.",
    "SLA policy **{plan} support** applied.",
    "Customer satisfaction survey sent.",
    "Escalated automatically: no response within the first-response target.",
    "Delivery to the requester failed: `550 5.1.1 <{email}>: Recipient address rejected` — retrying.",
)

# Hostile or awkward input the app must display safely: (topic, subject, body).
ADVERSARIAL = (
    (
        "site_down",
        "[bold red]URGENT[/] site down [link=https://evil.example]click[/link]",
        "Hi, the shop at {domain} is down again!!! [blink]HELP[/blink]\n\n"
        "[@click=app.quit]Click here to see the error[/]\n\n"
        "Please call me, this is [reverse]really[/reverse] urgent.",
    ),
    (
        "site_down",
        "Deploy failing — terminal output attached",
        "Our deploy script fails on {server}. Output:\n\n"
        "```\n$ ./deploy.sh\n\x1b[1;32m✔ OK\x1b[0m  fetched release 2.4.1\n"
        "\x1b[31mERROR\x1b[0m  composer install failed (exit 137)\n"
        "\x1b[33mWARN\x1b[0m   disk quota at 99%\n"
        "\x1b]0;pwned terminal title\x07\x1b[2J\x1b[H"
        "\x1b]8;;https://evil.example\x1b\\definitely not a link\x1b]8;;\x1b\\\n```\n\n"
        "Any idea? The colours are from the script.",
    ),
    (
        "site_down",
        "Contact form broken <script>alert(1)</script>",
        "The contact form on https://{domain}/contact prints this instead of the form:\n\n"
        "<script>alert(document.cookie)</script>\n<img src=x onerror=\"alert(1)\">\n"
        "<iframe src=\"https://evil.example/\"></iframe>\n\n"
        "I also found this [link](javascript:alert(1)) in the footer. <b>Did we get hacked?</b>",
    ),
    (
        "billing",
        "Invoice attached: invoice_\u202efdp.exe",
        "Hello, please check the attached file invoice_\u202efdp.exe — your system rejected it.\n\n"
        "Our company name is \u202eSTAOG\u202c Ltd, with a\u200b zero\u200d width\ufeff mess\u2063 in it.\n\n"
        # 8-bit C1 controls: CSI (U+009B) and OSC (U+009D) act like ESC [ and ESC ] on many terminals.
        "The bank portal said \x9b2J\x9b31mDECLINED\x9b0m\x9d0;pwned title\x9c and \x85 nothing else.",
    ),
    (
        "password",
        "Password: hunter2\rPassword: ******** (please read)",
        "When I log in the panel shows:\r\nPassword: hunter2\rPassword: ********\n\n"
        "and then a very long token:\n\n" + "A" * 600 + "\n\n"
        "Z\u0335\u0321\u032aa\u0337l\u0336g\u0335o\u0338 text broke my e-mail client too. \x07\x08\x08",
    ),
    (
        "refund",
        "【至急】返金について \x1b[5m点滅\x1b[0m [b]太字[/b]",
        "いつもお世話になっております。\n\n返金の件です。\x1b[41m赤い背景\x1b[0m\n\n"
        "<marquee>至急</marquee> と `$(rm -rf ~)` をコピーしてしまいました。\n\n"
        "[red]よろしくお願いします[/red]",
    ),
)
