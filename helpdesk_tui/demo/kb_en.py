"""English KB articles on single topics (plus the families from ``kb_families``)."""

from __future__ import annotations

from helpdesk_tui.demo.kb_families import ARTICLES as _FAMILIES
from helpdesk_tui.demo.kb_families import Entry

_SINGLE = (
    ("dns-propagation", "How DNS propagation works (and why it can take 48 hours)", ("dns", "propagation"), """\
# How DNS propagation works

When you change a DNS record or your nameservers, resolvers around the world keep serving the
**old** answer until their cached copy expires. That delay is called *propagation*.

## How long?

- Record changes in our zone: as long as the record's **TTL** (often 1 hour).
- Nameserver changes: up to **48 hours**, because the TLD's own records have long TTLs.

## Checking what the world sees

```
$ dig +short A example.com @1.1.1.1
$ dig +short A example.com @8.8.8.8
$ dig +trace example.com
```

If the authoritative servers already answer correctly, you only have to wait.

## Speeding it up

1. Lower the TTL to 300 a day *before* the change.
2. Make the change.
3. Raise the TTL again afterwards.

See also: [Understanding TTL](https://help.example/en/articles/ttl)."""),
    ("ttl", "Understanding TTL values", ("dns", "ttl"), """\
# Understanding TTL values

TTL (*time to live*) is how many seconds a resolver may cache a DNS answer.

| TTL | Good for |
|---|---|
| 300 | records you are about to change |
| 3600 | most records |
| 86400 | records that never change (MX of a stable provider) |

A lower TTL means faster changes but more queries. There is no benefit in going below 60.

```
example.com.  3600  IN  A  203.0.113.80
              ^^^^ TTL in seconds
```"""),
    ("nameservers-vs-records", "Nameservers vs DNS records: what to change where", ("dns", "nameservers"), """\
# Nameservers vs DNS records

- **Nameservers** (set at your registrar) decide *who* answers for your domain.
- **Records** (A, MX, TXT…) are the answers, edited wherever the nameservers point.

If your nameservers are `ns1/ns2.hostingco.example`, edit records in **our** panel. Editing them at
your registrar does nothing — the most common DNS mistake we see.

```
$ dig +short NS example.com
ns1.hostingco.example.
ns2.hostingco.example.
```"""),
    ("dns-records", "Adding A, AAAA and CNAME records", ("dns", "records"), """\
# Adding A, AAAA and CNAME records

1. **Domains → DNS zone → Add record**.
2. Pick the type:
   - `A`: a name → an IPv4 address (`203.0.113.80`)
   - `AAAA`: a name → an IPv6 address (`2001:db8::80`)
   - `CNAME`: a name → another name (`shop` → `shops.myshopify.com.`)
3. In **Name**, enter only the part *before* your domain: `shop`, not `shop.example.com`.

> A `CNAME` cannot coexist with other records of the same name, and never on the bare domain.

Check with `dig shop.example.com`."""),
    ("dkim", "Setting up DKIM signing", ("email", "dkim", "deliverability"), """\
# Setting up DKIM signing

DKIM adds a cryptographic signature to every message so receivers can verify it really came from you.

1. Go to **Email → Authentication → DKIM** and click **Enable**.
2. We generate a key and show a TXT record like:
   ```
   hc1._domainkey.example.com.  IN  TXT  "v=DKIM1; k=rsa; p=MIIBIjANBgkqh..."
   ```
3. If your DNS is with us, it is added automatically. Otherwise publish it at your DNS host.
4. Send a message to a Gmail address and check **Show original**: `DKIM: PASS`.

Newsletter tools (Mailchimp, SendGrid) need their **own** DKIM records."""),
    ("dmarc", "DMARC: a safe rollout plan", ("email", "dmarc", "deliverability"), """\
# DMARC: a safe rollout plan

DMARC tells receivers what to do with mail that fails SPF and DKIM, and sends you reports.

## Step 1 — monitor

```
_dmarc.example.com.  IN  TXT  "v=DMARC1; p=none; rua=mailto:dmarc@example.com"
```

Read the reports for two weeks. Every legitimate sender must pass SPF or DKIM.

## Step 2 — quarantine, then reject

1. `p=quarantine; pct=25`, then 100
2. `p=reject`

**Don't** jump to `p=reject` on day one: forgotten senders (your invoicing tool!) will be blocked."""),
    ("mail-checklist", "Mail not arriving: a checklist", ("email", "troubleshooting"), """\
# Mail not arriving: a checklist

1. **Is the mailbox full?** Webmail shows the quota at the top. Full mailboxes bounce with `552`.
2. **Are the MX records right?**
   ```
   $ dig +short MX example.com
   ```
3. **Is it in spam?** Check the webmail spam folder, not just your mail app.
4. **Forwarding rules?** Look under **Email → Filters**.
5. **Ask the sender for the bounce.** The error text tells us exactly what happened.

Still stuck? Open a ticket with the sender's address and the time they sent it."""),
    ("mailbox-quota", "Mailbox quota and what happens when it's full", ("email", "quota"), """\
# Mailbox quota

Each mailbox has a size limit set in **Email → Mailboxes**. At 90% we warn you; at 100% new mail bounces:

```
552 5.2.2 Mailbox full
```

## Freeing space

- Empty **Trash** and **Spam** (they count).
- Set your mail app to *remove deleted messages* on exit.
- Archive old mail locally (Thunderbird: **Archive**).

You can raise the quota of any mailbox up to your plan's limit."""),
    ("spam-filter", "Spam filter settings and allow lists", ("email", "spam"), """\
# Spam filter settings

Our filter scores each message; above the threshold it goes to **Spam**, far above it is rejected.

1. **Email → Spam filter**.
2. Choose a level: *relaxed*, *normal* (default) or *strict*.
3. Add trusted senders to the **allow list**: `invoices@supplier.example` or the whole `@supplier.example`.

Messages in Spam are deleted after 30 days."""),
    ("password-reset", "Resetting your control panel password", ("password", "login", "account"), """\
# Resetting your control panel password

1. On the login page click **Forgot password?**
2. Enter the e-mail address of your account.
3. Open the link within **1 hour** and choose a new password (at least 12 characters).

## The e-mail doesn't arrive

- Check spam and any filters.
- The address might be an old one — ask support, we'll verify your identity first.

## Locked out

After 10 failed attempts the login is blocked for 15 minutes. An old password saved in an FTP
or mail app often causes this — update it there too.

We will **never** ask for your password in a ticket."""),
    ("2fa-enable", "Turning on two-factor authentication (2FA)", ("2fa", "security", "login"), """\
# Turning on two-factor authentication

1. **Account → Security → Two-factor authentication → Enable**.
2. Scan the QR code with an authenticator app (any TOTP app works).
3. Enter the 6-digit code to confirm.
4. **Save the 10 backup codes** somewhere safe — a password manager is ideal.

Codes are time-based: if they are always *invalid*, your phone's clock is off. Turn on automatic time."""),
    ("2fa-lost", "Lost your 2FA device? Regaining access", ("2fa", "security", "login"), """\
# Lost your 2FA device?

1. Use a **backup code** on the login page (each works once).
2. No backup codes? Open a ticket from your account e-mail address. We will ask for:
   - the last 4 digits of the card on file, or your last invoice number
   - the account PIN from **Account → Security**
3. Once verified we disable 2FA. Log in and enable it again right away.

This takes up to one business day: it protects you from someone pretending to be you."""),
    ("ssl-lets-encrypt", "SSL certificates: automatic renewal with Let's Encrypt", ("ssl", "certificate", "https"), """\
# Automatic SSL with Let's Encrypt

Every domain on our servers gets a free certificate, renewed automatically 30 days before it expires.

## When renewal fails

Renewal needs `http://example.com/.well-known/acme-challenge/…` to be reachable. Common blockers:

- a redirect rule in `.htaccess` that catches the challenge:
  ```apache
  RewriteCond %{REQUEST_URI} !^/\\.well-known/acme-challenge/
  ```
- DNS pointing somewhere else (a CDN, an old server)
- a `CAA` record that only allows another authority

**SSL → Certificates → Renew now** retries and shows the exact error."""),
    ("ssl-custom", "Installing a custom SSL certificate", ("ssl", "certificate"), """\
# Installing a custom SSL certificate

1. **SSL → Certificates → Upload**.
2. Paste the certificate, the private key and the intermediate chain (PEM format):
   ```
   -----BEGIN CERTIFICATE-----
   MIIF...
   -----END CERTIFICATE-----
   ```
3. Save. The certificate is live within a minute.

Custom certificates are **not** renewed automatically: set a reminder."""),
    ("mixed-content", "Fixing mixed content warnings", ("ssl", "https", "wordpress"), """\
# Fixing mixed content warnings

The page is served over HTTPS but loads images or scripts over `http://`, so browsers warn.

1. Open the browser console (F12) and look for *Mixed Content* lines.
2. For WordPress, replace old URLs in the database:
   ```
   $ wp search-replace 'http://example.com' 'https://example.com' --skip-columns=guid
   ```
3. Clear your cache plugin and CDN."""),
    ("site-down-checklist", "Site down? A first-aid checklist", ("site-down", "outage", "troubleshooting"), """\
# Site down? A first-aid checklist

1. **Is it only you?** Try your phone on mobile data, or an online checker.
2. **Check our status page**: [status.hostingco.example](https://status.hostingco.example).
3. **Read the error**:
   - `502/504` — PHP is overloaded or stuck; see [5xx errors](https://help.example/en/articles/5xx-errors)
   - *Error establishing a database connection* — database limit or wrong credentials
   - blank page — a PHP fatal error; check `~/logs/php-error.log`
4. **What changed?** A plugin update, a DNS change, an expired domain.
5. **Open an urgent ticket** with the URL, the error and the time it started.

```
$ curl -I https://example.com
```"""),
    ("5xx-errors", "Understanding 500, 502, 503 and 504 errors", ("site-down", "errors"), """\
# 500, 502, 503 and 504 errors

| Code | Meaning | Usual cause |
|---|---|---|
| 500 | Internal Server Error | PHP fatal error, broken `.htaccess` |
| 502 | Bad Gateway | PHP-FPM crashed or is restarting |
| 503 | Service Unavailable | maintenance mode, resource limit hit |
| 504 | Gateway Timeout | a script ran longer than 60 s |

The error log (`~/logs/`) says which file and line failed. Paste the lines into your ticket."""),
    ("slow-site", "Speeding up a slow website", ("performance", "wordpress"), """\
# Speeding up a slow website

1. Measure first:
   ```
   $ curl -o /dev/null -s -w 'ttfb=%{time_starttransfer}\\n' https://example.com/
   ```
   Over 1 second of *time to first byte* means the server side is slow.
2. Use a supported PHP version (8.2+) with **OPcache** on.
3. Install a page cache plugin.
4. Look for heavy plugins: the *Query Monitor* plugin shows slow database queries.
5. Optimise images (WebP, proper sizes).

Still slow? Ask us to check the slow query log."""),
    ("backups", "How our backups work", ("backup",), """\
# How our backups work

- **When**: every night at 02:00 UTC.
- **What**: files, databases and mailboxes.
- **How long**: 30 daily copies, 12 weekly copies.
- **Where**: a separate data centre.

Restore yourself under **Files → Backups**, or see [restoring files](https://help.example/en/articles/restore-files).
Our backups are a safety net — keep your own copy of anything you can't lose."""),
    ("billing-cycles", "Billing cycles, renewals and invoices", ("billing", "invoice"), """\
# Billing cycles, renewals and invoices

- Plans renew **monthly** or **yearly** on the date you signed up.
- We charge the card on file 7 days before renewal and e-mail the invoice.
- Invoices live under **Billing → Invoices** (PDF).

## A charge appears twice

Usually one of them is an *authorization hold* that disappears in 3–5 business days.

## Changing plan

Upgrades apply at once and are prorated; downgrades apply at the next renewal."""),
    ("refund-policy", "Refund policy and money-back guarantee", ("billing", "refund"), """\
# Refund policy

- **30-day money-back guarantee** on hosting plans, first purchase only.
- Domain registrations and renewals are **not refundable** (the registry charges us).
- Renewals can be refunded within 14 days if the service was not used.

## How to ask

Open a ticket from the account's e-mail address with the invoice number. Refunds go back to the
original payment method within 5–10 business days."""),
    ("cancel-account", "Cancelling your account or a service", ("billing", "cancellation"), """\
# Cancelling your account or a service

1. **Billing → Services**, then **⋯ → Cancel** next to the service.
2. Choose *at the end of the billing period* (recommended) or *immediately*.
3. Download a final backup: data is deleted **14 days** after the service ends.

Domains are separate: transfer them out first, see [transferring a domain away](https://help.example/en/articles/transfer-out)."""),
    ("payment-details", "Updating payment methods and VAT details", ("billing", "vat"), """\
# Updating payment methods and VAT details

- **Billing → Payment methods** — add a card or SEPA mandate, then make it the default.
- **Billing → Company details** — company name, address and VAT ID.

Changes apply to **future** invoices. Need an old invoice reissued? Open a ticket with its number."""),
    ("transfer-in", "Transferring a domain to us", ("domains", "transfer"), """\
# Transferring a domain to us

1. At your current registrar: unlock the domain and request the **auth code** (EPP code).
2. Here: **Domains → Transfer in**, enter the domain and the code.
3. Approve the confirmation e-mail.

Transfers take 5–7 days for `.com`; the domain keeps working throughout.
Domains registered or transferred in the last 60 days cannot move."""),
    ("transfer-out", "Transferring a domain away (auth codes)", ("domains", "transfer"), """\
# Transferring a domain away

1. **Domains → your domain → Transfer**: switch off the transfer lock.
2. Copy the **auth code** and give it to the new registrar.
3. Approve the e-mail we send you, or wait 5 days.

Keep your hosting active until the transfer completes if your DNS is with us."""),
    ("cron-jobs", "Cron jobs: scheduling tasks", ("cron", "advanced"), """\
# Cron jobs

**Advanced → Cron jobs → Add**. Example — run a PHP script every 15 minutes:

```
*/15 * * * * /usr/bin/php ~/public_html/cron.php > /dev/null 2>&1
```

- Use full paths.
- The shortest interval is 5 minutes on shared plans.
- Output is e-mailed to you unless redirected."""),
    ("htaccess-redirects", "Redirects with .htaccess", ("apache", "redirects"), """\
# Redirects with .htaccess

Force HTTPS and `www`:

```apache
RewriteEngine On
RewriteCond %{HTTPS} off [OR]
RewriteCond %{HTTP_HOST} !^www\\. [NC]
RewriteRule ^ https://www.example.com%{REQUEST_URI} [L,R=301]
```

A single old page:

```apache
Redirect 301 /old-page https://www.example.com/new-page
```

A mistake here gives a `500` on the whole site — keep a copy of the working file."""),
    ("large-database-import", "Importing large databases over SSH", ("database", "mysql", "ssh"), """\
# Importing large databases over SSH

phpMyAdmin stops at about 256 MB. For bigger dumps:

1. Upload the file with SFTP.
2. Log in with SSH and run:
   ```
   $ mysql -u dbuser -p dbname < dump.sql
   ```
3. Compressed dumps:
   ```
   $ gunzip < dump.sql.gz | mysql -u dbuser -p dbname
   ```

`ERROR 1114 (HY000): The table is full` means the database hit your plan's size limit."""),
    ("mysql-connections", "Too many connections: MySQL connection limits", ("database", "mysql", "limits"), """\
# Too many connections

`SQLSTATE[HY000] [1040] Too many connections` means your site opened more database
connections than the plan allows at the same moment.

- Usual cause: a slow query holding connections while traffic keeps coming.
- Check **Databases → Processes** during the problem.
- Cache pages so fewer requests reach the database.

See your plan's limit in [resource limits](https://help.example/en/articles/limits-business)."""),
    ("ssh-keys", "SSH keys for secure access", ("ssh", "security"), """\
# SSH keys

```
$ ssh-keygen -t ed25519 -C "you@example.com"
$ cat ~/.ssh/id_ed25519.pub
```

Paste the public key (the `.pub` file) into **Advanced → SSH keys**. Never share the private key.
Then connect with `ssh user@web12.hostingco.example`."""),
    ("git-deploy", "Deploying with Git", ("git", "deploy", "advanced"), """\
# Deploying with Git

1. **Advanced → Git → New repository** gives you a remote like `ssh://user@web12.hostingco.example/~/repos/site.git`.
2. Add it and push:
   ```
   $ git remote add live ssh://user@web12.hostingco.example/~/repos/site.git
   $ git push live main
   ```
3. The post-receive hook checks out `main` into `public_html`.

Keep secrets out of the repository; use `.env` files on the server."""),
    ("hacked-site", "Cleaning up a hacked site", ("security", "malware"), """\
# Cleaning up a hacked site

1. **Change every password**: control panel, SFTP, database, CMS admins.
2. **Restore** a clean backup from before the infection, or reinstall core files.
3. **Update** the CMS, themes and plugins; delete unused ones.
4. Run **Security → Malware scan** again.
5. Ask Google for a review in Search Console if your site was flagged.

We can help identify the entry point: open a ticket, don't delete the logs."""),
    ("account-users", "Managing users and permissions on your account", ("account", "security"), """\
# Users and permissions

Invite colleagues under **Account → Users** instead of sharing your password.

| Role | Can |
|---|---|
| Owner | everything, including billing and deleting the account |
| Admin | everything except ownership |
| Billing | invoices and payment methods |
| Developer | files, databases, SSH, no billing |

Each user has their own 2FA."""),
)

ARTICLES: list[Entry] = _FAMILIES + [("en", slug, title, tags, body) for slug, title, tags, body in _SINGLE]
