"""English KB articles that come in families: one per registrar, mail provider, client, app…

Each entry: (language, slug, title, tags, markdown body).
"""

from __future__ import annotations

Entry = tuple[str, str, str, tuple[str, ...], str]

_REGISTRARS = (
    ("GoDaddy", "godaddy", "**My Products → Domains → DNS → Nameservers → Change**"),
    ("Namecheap", "namecheap", "**Domain List → Manage → Nameservers → Custom DNS**"),
    ("Gandi", "gandi", "**Domain → Nameservers → Change → External**"),
    ("Cloudflare Registrar", "cloudflare", "**Domain Registration → Manage Domains → Configuration**"),
    ("OVHcloud", "ovhcloud", "**Web Cloud → Domain names → DNS servers → Modify DNS servers**"),
    ("IONOS", "ionos", "**Domains & SSL → ⚙ → Use custom name servers**"),
    ("Aruba", "aruba", "**Gestione domini → DNS e nameserver → Modifica**"),
)


def _registrar(name: str, slug: str, menu: str) -> Entry:
    body = f"""# Pointing your domain to us from {name}

Your domain stays registered at {name}; only its **nameservers** change, so that our DNS answers
for it. Plan about an hour of work and up to 48 hours of propagation.

## Before you start

- Copy any custom DNS records (mail, verification TXT records) from {name}: they don't move by themselves.
- Lower the TTL of existing records to 300 seconds a day in advance if you can.

## Steps

1. Log in to {name}.
2. Open {menu}.
3. Replace the existing entries with:
   ```
   ns1.hostingco.example
   ns2.hostingco.example
   ```
4. Save, then add the domain in our control panel under **Domains → Add domain**.
5. Check the change with:
   ```
   dig +short NS example.com @a.gtld-servers.net
   ```

## Troubleshooting

If the old nameservers still show after 48 hours, the change was probably not saved at {name}.
See [DNS propagation explained](https://help.example/en/articles/dns-propagation).
"""
    return ("en", f"nameservers-{slug}", f"Pointing your domain to us from {name}",
            ("dns", "nameservers", "domains", slug), body)


_MAIL_PROVIDERS = (
    ("our mail service", "hostingco", ("10 mx1.hostingco.example.", "20 mx2.hostingco.example."),
     "_spf.hostingco.example"),
    ("Google Workspace", "google-workspace", ("1 smtp.google.com.",), "_spf.google.com"),
    ("Microsoft 365", "microsoft-365", ("0 example-com.mail.protection.outlook.com.",), "spf.protection.outlook.com"),
    ("Zoho Mail", "zoho", ("10 mx.zoho.com.", "20 mx2.zoho.com.", "50 mx3.zoho.com."), "zohomail.com"),
    ("Fastmail", "fastmail", ("10 in1-smtp.messagingengine.com.", "20 in2-smtp.messagingengine.com."),
     "spf.messagingengine.com"),
    ("Proton Mail", "proton", ("10 mail.protonmail.ch.", "20 mailsec.protonmail.ch."), "_spf.protonmail.ch"),
)


def _mx(name: str, slug: str, mx: tuple[str, ...], spf: str) -> Entry:
    records = "\n".join(f"example.com.  3600  IN  MX  {r}" for r in mx)
    body = f"""# Setting up MX records for {name}

MX records tell the world which servers accept mail for your domain. If they are wrong,
mail bounces or disappears into another provider's mailbox.

## The records

Remove all existing MX records, then add:

```
{records}
```

## In our control panel

1. Go to **Domains → DNS zone**.
2. Delete the old `MX` rows.
3. Click **Add record**, choose `MX`, leave the name empty (it means the domain itself).
4. Enter the priority and host exactly as above, **with** the final dot if the form asks for an FQDN.

## Check

```
$ dig +short MX example.com
```

Changes are visible within the TTL of the old records (often 1 hour). Don't forget the SPF record:
[SPF for {name}](https://help.example/en/articles/spf-{slug}).
"""
    return ("en", f"mx-{slug}", f"Setting up MX records for {name}", ("email", "mx", "dns", slug), body)


def _spf(name: str, slug: str, mx: tuple[str, ...], spf: str) -> Entry:
    body = f"""# SPF record for {name}

SPF lists the servers allowed to send mail *as* your domain. Receivers check it, and mail
from unlisted servers is more likely to land in spam.

## One record only

A domain must have **exactly one** SPF record. If you send through several services,
combine them into one:

```
v=spf1 include:{spf} include:_spf.hostingco.example ~all
```

- `include:` adds another service's servers
- `~all` (soft fail) is the safe choice while you test; `-all` once you are sure

## Adding it

1. **Domains → DNS zone → Add record**
2. Type `TXT`, name empty, value as above
3. Save and wait for the TTL

## Common mistakes

- Two `v=spf1` records (the check fails entirely)
- More than 10 DNS lookups through nested includes
- Quotes pasted twice: `""v=spf1 …""`

Next step: [DKIM signing](https://help.example/en/articles/dkim).
"""
    return ("en", f"spf-{slug}", f"SPF record for {name}", ("email", "spf", "deliverability", slug), body)


_MAIL_CLIENTS = (
    ("Outlook for Windows", "outlook", "**File → Add Account → Advanced options → Let me set up my account manually → IMAP**"),
    ("Apple Mail on macOS", "apple-mail", "**Mail → Add Account → Other Mail Account**"),
    ("Thunderbird", "thunderbird", "**Account Settings → Account Actions → Add Mail Account → Configure manually**"),
    ("iPhone and iPad", "ios", "**Settings → Mail → Accounts → Add Account → Other**"),
    ("Android (Gmail app)", "android", "**Gmail → Add another account → Other → Personal (IMAP)**"),
    ("Outlook for Mac", "outlook-mac", "**Outlook → Settings → Accounts → + → New Account**"),
)


def _client(name: str, slug: str, path: str) -> Entry:
    body = f"""# Setting up your mailbox in {name}

## Settings

| Setting | Incoming (IMAP) | Outgoing (SMTP) |
|---|---|---|
| Server | `mail.hostingco.example` | `mail.hostingco.example` |
| Port | 993 | 465 (or 587) |
| Security | SSL/TLS | SSL/TLS (STARTTLS on 587) |
| Username | your full e-mail address | same |

## Steps

1. Open {path}.
2. Enter your name, e-mail address and mailbox password.
3. If {name} guesses the settings wrong, enter the ones from the table.
4. Send yourself a test message.

## If it keeps asking for the password

- Check for typos: the username is the **whole** address.
- After too many failures our server blocks your IP for 15 minutes — wait, then retry.
- Port 110/143 without encryption is not supported.

More help: [mail not arriving](https://help.example/en/articles/mail-checklist).
"""
    return ("en", f"mail-client-{slug}", f"Setting up your mailbox in {name}", ("email", "imap", "smtp", slug), body)


_SFTP_CLIENTS = (
    ("FileZilla", "filezilla", "Open **File → Site Manager → New site**, protocol **SFTP – SSH File Transfer Protocol**."),
    ("WinSCP", "winscp", "In the **Login** dialog choose file protocol **SFTP**."),
    ("Cyberduck", "cyberduck", "Click **Open Connection** and pick **SFTP (SSH File Transfer Protocol)**."),
    ("the command line", "cli", "Use `sftp`, `scp` or `rsync` from a terminal."),
)


def _sftp(name: str, slug: str, how: str) -> Entry:
    body = f"""# Connecting with SFTP using {name}

Plain FTP (port 21) is switched off on all our servers: it sends passwords unencrypted.
Use SFTP instead.

## Connection details

- Host: `webNN.hostingco.example` (see **Account → Server**)
- Port: `22`
- Username and password: as in **Files → SFTP users**

## Steps

1. {how}
2. Enter the host, port 22 and your credentials.
3. Accept the server's host key the first time (compare the fingerprint with the one in the panel).

```
$ sftp -P 22 user@web12.hostingco.example
sftp> cd public_html
sftp> put index.html
```

## Errors

- `Connection refused`: wrong port (21 instead of 22).
- `Permission denied (publickey,password)`: wrong password, or the SFTP user is disabled.
- `553 Could not create file`: you are outside your home folder or over quota.

Prefer keys? See [SSH keys](https://help.example/en/articles/ssh-keys).
"""
    return ("en", f"sftp-{slug}", f"Connecting with SFTP using {name}", ("ftp", "sftp", slug), body)


_RESTORES = (
    ("files and folders", "files", "**Files → Backups → Restore**, pick a date, tick the folders you need"),
    ("a database", "database", "**Databases → Backups**, pick the database and a date"),
    ("a mailbox", "mailbox", "**Email → Mailboxes → ⋯ → Restore from backup**"),
    ("your whole account", "account", "**Account → Backups → Full restore** (support must confirm)"),
)


def _restore(what: str, slug: str, where: str) -> Entry:
    body = f"""# Restoring {what} from a backup

We take a backup every night at 02:00 UTC and keep **30 daily** and **12 weekly** copies.

## Steps

1. Go to {where}.
2. Choose where to restore:
   - **original location** overwrites what is there now
   - **a new folder** (`restore-YYYYMMDD`) lets you compare first — recommended
3. Confirm. Small restores take minutes; large ones can take an hour.

> **Careful:** restoring a database overwrites orders, comments and sign-ups made since the backup.

## Download instead

Every backup can be downloaded as a `.tar.gz` for 7 days:

```
$ tar -tzf backup-2024-05-02.tar.gz | head
```

Backups older than 30 days: ask support, we may have a weekly copy.
See also [how our backups work](https://help.example/en/articles/backups).
"""
    return ("en", f"restore-{slug}", f"Restoring {what} from a backup", ("backup", "restore", slug), body)


_APPS = (
    ("WordPress", "wordpress", "wp-admin"), ("Joomla", "joomla", "administrator"),
    ("Drupal", "drupal", "user/login"), ("Nextcloud", "nextcloud", "login"),
    ("Matomo", "matomo", "index.php"),
)


def _app(name: str, slug: str, admin: str) -> Entry:
    body = f"""# Installing {name}

## One-click install

1. **Apps → Install → {name}**.
2. Pick the domain and folder (leave empty for the site root).
3. Choose an admin username — not `admin`.
4. Wait for the confirmation e-mail, then log in at `https://example.com/{admin}`.

## Manual install

```
$ cd ~/public_html
$ curl -LO https://example.org/{slug}-latest.tar.gz
$ tar xzf {slug}-latest.tar.gz --strip-components=1
```

Create a database under **Databases → New** and enter its details in the installer.

## After installing

- Turn on automatic updates.
- Set PHP to a supported version: [changing PHP versions](https://help.example/en/articles/php-version).
- Make sure backups include the database.
"""
    return ("en", f"install-{slug}", f"Installing {name}", ("apps", slug, "install"), body)


_PHP = (("8.1", "security fixes only until end of 2025"), ("8.2", "readonly classes, deprecated dynamic properties"),
        ("8.3", "typed class constants, `json_validate()`"))


def _php(version: str, notes: str) -> Entry:
    slug = version.replace(".", "")
    body = f"""# Upgrading to PHP {version}

PHP {version}: {notes}.

## Before you switch

1. Update your CMS, themes and plugins.
2. Test on a staging copy: **Sites → ⋯ → Create staging**.
3. Check the error log after switching:
   ```
   $ tail -f ~/logs/php-error.log
   ```

## Switching

**Advanced → PHP Settings → Version → {version}**. It applies within a minute; switching back is instant.

## Typical errors

- `Call to undefined function create_function()` — removed in PHP 8.0; update the plugin.
- `Creation of dynamic property … is deprecated` — a warning, not an error; update when you can.

Settings like `memory_limit` go in `.user.ini`:

```ini
memory_limit = 512M
max_execution_time = 120
```
"""
    return ("en", f"php-{slug}", f"Upgrading to PHP {version}", ("php", "upgrade", f"php{slug}"), body)


_PLANS = (
    ("Starter", "1", "1 GB", "10", "20", "2 GB"), ("Business", "10", "2 GB", "30", "50", "5 GB"),
    ("Pro", "unlimited", "5 GB", "60", "unlimited", "10 GB"),
    ("Reseller", "unlimited", "5 GB", "100", "unlimited", "10 GB"),
)


def _plan(name: str, sites: str, db: str, conns: str, mailboxes: str, quota: str) -> Entry:
    body = f"""# Resource limits on the {name} plan

| Resource | Limit |
|---|---|
| Websites | {sites} |
| Database size | {db} per database |
| Database connections | {conns} simultaneous |
| Mailboxes | {mailboxes} |
| Mailbox size | {quota} |
| PHP memory | 512 MB |

## What happens at a limit

- **Database size**: writes fail with `ERROR 1114 (HY000): The table is full`. Reads keep working.
- **Connections**: new visitors see `Too many connections`; see
  [MySQL connection limits](https://help.example/en/articles/mysql-connections).
- **Mailbox size**: new mail bounces with `552 Mailbox full`.

## Checking your usage

**Account → Usage** shows current figures; we e-mail you at 90%.
To upgrade: **Billing → Change plan** (prorated, takes effect immediately).
"""
    return ("en", f"limits-{name.lower()}", f"Resource limits on the {name} plan",
            ("limits", "database", "billing", name.lower()), body)


ARTICLES: list[Entry] = (
    [_registrar(*r) for r in _REGISTRARS]
    + [_mx(*m) for m in _MAIL_PROVIDERS]
    + [_spf(*m) for m in _MAIL_PROVIDERS]
    + [_client(*c) for c in _MAIL_CLIENTS]
    + [_sftp(*c) for c in _SFTP_CLIENTS]
    + [_restore(*r) for r in _RESTORES]
    + [_app(*a) for a in _APPS]
    + [_php(*p) for p in _PHP]
    + [_plan(*p) for p in _PLANS]
)
