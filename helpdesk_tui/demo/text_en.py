"""English ticket material: subjects, first messages, replies and follow-ups per topic."""

from __future__ import annotations

from datetime import datetime

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def when(at: datetime) -> str:
    return f"{at.hour:02d}:{at.minute:02d} UTC on {_DAYS[at.weekday()]} {at.day}/{at.month}"


AGENT_GREETING = "Hi {name},\n\n"
AGENT_CLOSING = "\n\nBest regards,\nSupport Team"
CUSTOMER_CLOSINGS = ("\n\nThanks,\n{name}", "\n\nRegards,\n{fullname}", "", "\n\n{name}")

SUBJECTS = {
    "site_down": ("Website {domain} is down", "URGENT: our site returns 502 Bad Gateway",
                  "Site not loading since this morning",
                  "{domain} shows 'Error establishing a database connection'"),
    "dns": ("Domain {domain} not resolving after nameserver change", "DNS propagation taking too long",
            "Changed A record but still seeing the old site", "www.{domain} works but {domain} doesn't"),
    "mail": ("E-mails not arriving at info@{domain}", "Customers say our e-mails bounce",
             "No mail received since yesterday", "Outlook keeps asking for my password"),
    "spf_dkim": ("Our e-mails go to spam at Gmail", "SPF/DKIM setup for {domain}",
                 "DMARC reports show failures"),
    "billing": ("Invoice {invoice} shows the wrong VAT number", "Charged twice this month?",
                "Need copies of last year's invoices", "Why did my renewal price go up?"),
    "refund": ("Refund request for unused hosting", "Please refund the domain renewal",
               "Money-back guarantee"),
    "cancel": ("Cancel my account", "How do I turn off auto-renewal?",
               "Closing down the business — cancel everything"),
    "password": ("Can't log in to the control panel", "Password reset e-mail never arrives",
                 "Locked out after too many attempts", "Forgot my SFTP password"),
    "twofa": ("Lost my phone, can't get the 2FA code", "2FA codes always invalid",
              "How do I enable two-factor authentication?"),
    "ssl": ("SSL certificate expired on {domain}", "Browser says 'Your connection is not private'",
            "Mixed content warnings after moving to HTTPS", "Let's Encrypt renewal failed"),
    "slow": ("Website very slow since last week", "Time to first byte over 5 seconds",
             "Admin panel takes forever to load"),
    "backup": ("Need to restore yesterday's backup", "Deleted a folder by mistake",
               "How far back do backups go?", "Backup download link expired"),
    "ftp": ("Can't connect with FileZilla", "SFTP connection refused", "FTP upload fails with 553 error"),
    "php": ("Need PHP 8.3 for our app", "Site broke after the PHP upgrade", "How do I change PHP memory_limit?"),
    "database": ("Database size limit reached", "'Too many connections' error",
                 "How to import a large SQL dump?", "phpMyAdmin import times out"),
}

OPENINGS = {
    "site_down": (
        "Our website **{domain}** has been down for about 20 minutes. Customers are calling us.\n\n"
        "What I see:\n\n- the home page times out after ~30 seconds\n"
        "- the admin panel (`/wp-admin`) gives a **502 Bad Gateway**\n- e-mail still seems to work\n\n"
        "```\n$ curl -I https://{domain}\nHTTP/2 502\nserver: nginx\ncontent-type: text/html\n```\n\n"
        "Please help, we are losing orders.",
        "Since around 9am every page on {domain} just says \"Error establishing a database connection\".\n\n"
        "I haven't changed anything. Things I already tried:\n\n1. Restarted the site from the control panel\n"
        "2. Cleared the cache plugin\n3. Checked that the password in `wp-config.php` is still the same\n\n"
        "Is the database server down?",
        "{domain} shows a blank white page. The error log has this:\n\n```\n"
        "{logdate} [error] 2231#2231: *88123 upstream timed out (110: Connection timed out) while reading "
        "response header from upstream, client: {ip}, server: {domain}, request: \"GET / HTTP/2.0\", "
        "upstream: \"fastcgi://unix:/run/php/php8.2-fpm.sock\"\n"
        "PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 bytes) "
        "in /home/site/public_html/wp-includes/class-wp-query.php on line 3291\n```\n\n"
        "Can you check the server? This is our main shop.",
    ),
    "dns": (
        "I changed the nameservers for {domain} at my registrar yesterday to `ns1.hostingco.example` and "
        "`ns2.hostingco.example`, but the site still shows the old host.\n\n"
        "```\n$ dig +short NS {domain}\nns1.oldhost.example.\nns2.oldhost.example.\n"
        "$ dig +short A {domain}\n198.51.100.23\n```\n\nHow long does propagation take? Is something wrong on your side?",
        "I added an A record for `shop.{domain}` pointing to 203.0.113.80 in the DNS zone editor two hours ago, but:\n\n"
        "- `dig shop.{domain}` returns **NXDOMAIN**\n- the browser says *This site can't be reached*\n\n"
        "Did I do something wrong? I followed [this guide](https://help.example/en/articles/dns-records).",
    ),
    "mail": (
        "Since yesterday afternoon we don't receive any mail at **info@{domain}**. Sending works. "
        "A customer forwarded this bounce:\n\n```\n<info@{domain}>: host mx1.hostingco.example[192.0.2.25] said:\n"
        "    552 5.2.2 Mailbox full (in reply to RCPT TO command)\n```\n\n"
        "We have 12 mailboxes on this domain, only this one seems affected.",
        "Our MX records might be wrong after moving the website. I see:\n\n"
        "```\n$ dig +short MX {domain}\n10 {domain}.\n```\n\n"
        "Shouldn't it point to your mail server? Messages from Gmail never arrive.",
    ),
    "spf_dkim": (
        "Gmail puts our newsletters in spam. The headers show:\n\n```\nAuthentication-Results: mx.google.com;\n"
        "       spf=softfail (google.com: domain of news@{domain} does not designate 192.0.2.77 as permitted sender)\n"
        "       dkim=none\n       dmarc=fail (p=NONE sp=NONE dis=NONE) header.from={domain}\n```\n\n"
        "What records do I need to add?",
        "Our DMARC aggregate reports show lots of failures from an IP we don't recognise. "
        "Should we be worried? We send through our own mailboxes and **Mailchimp**.",
    ),
    "billing": (
        "Hello, our card was charged **twice** on the 1st for the Business plan (2 × €19.90). "
        "Can you check and refund the duplicate? The account e-mail is {email}.",
        "Invoice {invoice} has our old address and is missing our VAT ID. Could you reissue it with:\n\n"
        "- Company: {org}\n- VAT: GB123456789\n- Address: 1 High Street, Bristol BS1 4DJ\n\nThank you!",
        "The renewal for {domain} went from $89 to $129 this year. Nobody told us. Why?",
    ),
    "refund": (
        "I signed up 10 days ago but the plan doesn't fit our needs. Your site mentions a "
        "**30-day money-back guarantee**. Please refund and close the account.",
        "The domain {domain} was auto-renewed yesterday but we moved it elsewhere last month. "
        "Please refund the renewal.",
    ),
    "cancel": (
        "We are closing our shop at the end of the month. Please:\n\n1. cancel the hosting for {domain}\n"
        "2. keep the domain — we'll transfer it\n3. send me a final backup of the database\n\n"
        "What's the last day we can download files?",
        "How do I switch off auto-renewal? I can't find it under **Billing**.",
    ),
    "password": (
        "I tried to reset my password three times but the reset e-mail never arrives at {email}. "
        "Checked spam too. The login page now says:\n\n> Too many failed attempts. Try again in 15 minutes.\n\n"
        "Can you reset it manually?",
        "I can't log in to the control panel any more. I'm sure the password is right, I use a password manager.",
    ),
    "twofa": (
        "I got a new phone and my authenticator app didn't transfer. Now I can't log in because it asks "
        "for the 6-digit code. I don't have the backup codes. What can I do?",
        "The codes from my authenticator app are always rejected (*Invalid code*). "
        "The time on my phone is set automatically.",
    ),
    "ssl": (
        "Visitors get **NET::ERR_CERT_DATE_INVALID** on https://{domain}. I thought the certificate renews automatically?\n\n"
        "```\n$ echo | openssl s_client -connect {domain}:443 -servername {domain} 2>/dev/null | openssl x509 -noout -dates\n"
        "notBefore={certstart}\nnotAfter={certdate}\n```",
        "The renewal mail says it failed:\n\n```\nAttempting to renew cert ({domain}) produced an unexpected error: "
        "Failed authorization procedure. {domain} (http-01): urn:ietf:params:acme:error:unauthorized :: "
        "Invalid response from http://{domain}/.well-known/acme-challenge/Xq3v9: 404\n```",
        "After switching to HTTPS the padlock shows a warning and the browser console lists *Mixed Content* "
        "errors for images. What do I need to change?",
    ),
    "slow": (
        "{domain} got really slow. Pages take 6–8 seconds. I ran:\n\n"
        "```\n$ curl -o /dev/null -s -w 'ttfb=%{time_starttransfer} total=%{time_total}\\n' https://{domain}/\n"
        "ttfb=5.912 total=6.204\n```\n\nWe haven't changed anything except updating plugins.",
        "The WordPress admin takes 20 seconds to load any page, the public site is OK-ish. Is the server overloaded?",
    ),
    "backup": (
        "I accidentally deleted the `public_html/images` folder on {domain} about an hour ago 😱. "
        "Can you restore it from last night's backup? **Only that folder please**, the database has new orders.",
        "How many days of backups do you keep? We need the version of a page from about three weeks ago.",
    ),
    "ftp": (
        "FileZilla fails with:\n\n```\nStatus:\tConnecting to {domain}:21...\n"
        "Status:\tConnection established, waiting for welcome message...\nError:\tCould not connect to server\n```\n\n"
        "It worked last week. Did you block FTP?",
        "Uploading a file gives `553 Could not create file.` — the folder exists and I'm logged in.",
    ),
    "php": (
        "After you upgraded PHP on our server the site shows:\n\n```\n"
        "PHP Fatal error:  Uncaught Error: Call to undefined function create_function() in "
        "/home/site/public_html/wp-content/plugins/old-slider/slider.php:42\n```\n\nCan you switch us back to PHP 7.4?",
        "Our new app needs **PHP 8.3** and `memory_limit` of at least 512M. How do I set that for {domain}?",
    ),
    "database": (
        "Importing our 800 MB dump in phpMyAdmin fails with *Script timeout passed*. Is there another way? "
        "The dump was made with:\n\n```\nmysqldump --single-transaction -u shop -p shop_prod > shop.sql\n```",
        "We got an e-mail that our database reached the **1 GB** limit of the plan. What is taking the space?",
        "The site intermittently shows `SQLSTATE[HY000] [1040] Too many connections`. What's the limit on our plan?",
    ),
}

SOLUTIONS = {
    "site_down": (
        "The outage was caused by the disk on **{server}** filling up with log files. We freed the space and "
        "your site is back:\n\n```\n$ curl -I https://{domain}\nHTTP/2 200\n```\n\nTo avoid this in future:\n\n"
        "1. switch off debug logging in your cache plugin\n2. delete old backups from `public_html`\n\n"
        "See also our [site down checklist](https://help.example/en/articles/site-down-checklist).",
        "The database server hit its connection limit because of a runaway plugin. We restarted MySQL and "
        "your site loads again. The plugin `stats-counter` opened a connection on every page view; "
        "please update or remove it.",
    ),
    "dns": (
        "Your registrar still lists the old nameservers, so the change hasn't been saved there yet:\n\n"
        "```\n$ dig +short NS {domain} @a.gtld-servers.net\nns1.oldhost.example.\n```\n\n"
        "1. Log in at your registrar\n2. Open the nameserver settings for {domain}\n"
        "3. Set `ns1.hostingco.example` and `ns2.hostingco.example` and **save**\n\n"
        "After that, propagation usually takes 1–4 hours (up to 48). Details: "
        "[DNS propagation explained](https://help.example/en/articles/dns-propagation).",
        "The record was added to the zone as `shop.{domain}.{domain}` (the name field already includes the domain). "
        "I've corrected it; `dig shop.{domain}` now returns 203.0.113.80.",
    ),
    "mail": (
        "The mailbox info@{domain} was full (2 GB of 2 GB), so new mail was rejected. I've raised the quota to 5 GB. "
        "To keep it healthy:\n\n1. empty **Trash** and **Spam** in webmail\n2. set your mail client to remove deleted messages\n\n"
        "Mail sent to you since yesterday will be retried by the senders' servers.",
        "Your MX record pointed at the web server. I've set it back to our mail servers:\n\n"
        "```\n{domain}.  3600  IN  MX  10 mx1.hostingco.example.\n{domain}.  3600  IN  MX  20 mx2.hostingco.example.\n```\n\n"
        "New mail should arrive within the hour.",
    ),
    "spf_dkim": (
        "Please add (or replace your existing SPF with) this TXT record:\n\n"
        "```\n{domain}.  3600  IN  TXT  \"v=spf1 include:_spf.hostingco.example include:servers.mcsv.net ~all\"\n```\n\n"
        "Then enable DKIM under **Email → Authentication** and publish the key it shows. "
        "Our guide: [SPF and DKIM](https://help.example/en/articles/spf-dkim).",
    ),
    "billing": (
        "I've checked the payment log: the second line was an **authorization hold**, not a charge. "
        "It drops off your statement in 3–5 business days. Nothing to refund.",
        "I've reissued invoice {invoice} with your VAT ID and new address. You can download it from "
        "[your billing page](https://billing.hostingco.example/invoices).",
    ),
    "refund": (
        "You're within the 30 days, so I've refunded the hosting fee in full. Domain registration fees are "
        "non-refundable. Please allow 5–10 business days for the money to appear. "
        "Policy: [refunds](https://help.example/en/articles/refund-policy).",
    ),
    "cancel": (
        "Done: the hosting for {domain} will be cancelled at the end of the current billing period. "
        "Your files stay downloadable for **14 days** after that. The domain stays with you; the transfer "
        "code is under **Domains → {domain} → Transfer**.",
        "Auto-renewal is under **Billing → Services → ⋯ → Auto-renew**. I've switched it off for you.",
    ),
    "password": (
        "I've cleared the lockout and resent the reset link; it came back as delivered to {email}. "
        "For security we can't choose a password for you.\n\n1. open the link within 1 hour\n"
        "2. choose a new password (12+ characters)\n3. update it in your FTP/mail clients too, "
        "otherwise they lock you out again",
    ),
    "twofa": (
        "Thanks for verifying your identity. I've disabled two-factor authentication on your account. Please:\n\n"
        "1. log in and go to **Account → Security**\n2. enable 2FA again with your new phone\n"
        "3. **save the backup codes** somewhere safe",
        "The codes depend on your phone's clock. In your authenticator app use *Settings → Time correction for codes*, "
        "then try again.",
    ),
    "ssl": (
        "The automatic renewal failed because the validation request hit a redirect in your `.htaccess`. "
        "I've added an exception and renewed the certificate:\n\n"
        "```apache\nRewriteCond %{REQUEST_URI} !^/\\.well-known/acme-challenge/\n```\n\n"
        "It's valid for 90 days and will renew by itself from now on.",
        "Mixed content means the page loads some files over `http://`. Run a search-and-replace on the database "
        "from `http://{domain}` to `https://{domain}` — see [fixing mixed content](https://help.example/en/articles/mixed-content).",
    ),
    "slow": (
        "Your `wp_options` table had 14 MB of autoloaded data from a cache plugin, loaded on every page. "
        "I've cleaned it up and enabled OPcache; time to first byte is now about **0.4 s**.",
    ),
    "backup": (
        "Restored `public_html/images` from the 02:00 UTC backup (4,213 files). The database was not touched. "
        "You can do this yourself under **Files → Backups → Restore**: "
        "[restoring backups](https://help.example/en/articles/restore-backup).",
        "We keep daily backups for 30 days and weekly ones for 3 months. I've put the version from three weeks "
        "ago in `backups/restore-{number}.tar.gz` in your home folder.",
    ),
    "ftp": (
        "Plain FTP (port 21) was switched off on the 1st; please use **SFTP**:\n\n| Setting | Value |\n|---|---|\n"
        "| Protocol | SFTP |\n| Host | {server}.hostingco.example |\n| Port | 22 |\n\n"
        "Same username and password as before.",
    ),
    "php": (
        "PHP 7.4 is end-of-life so we can't switch back, but I've set your site to PHP 8.1. The plugin "
        "`old-slider` uses `create_function()`, removed in PHP 8.0: please update or replace it. "
        "You can change versions yourself under **Advanced → PHP Settings**.",
        "I've set {domain} to PHP 8.3 and added a `.user.ini`:\n\n```ini\nmemory_limit = 512M\nmax_execution_time = 120\n```",
    ),
    "database": (
        "For large dumps use SSH instead of phpMyAdmin:\n\n```\n$ mysql -u shop -p shop_prod < shop.sql\n```\n\n"
        "Your plan allows 2 GB per database, so the 800 MB dump is fine.",
        "The biggest table is `wp_actionscheduler_logs` (640 MB). Enable *Purge logs older than 30 days* in "
        "your shop settings and it will shrink by itself.",
    ),
}

ASK = (
    "Thanks for reaching out. To look into this, could you send me:\n\n1. the exact URL where you see the problem\n"
    "2. a screenshot of the error\n3. roughly when it started",
    "Could you run the following and paste the output here?\n\n```\ndig +trace {domain}\n"
    "curl -sv https://{domain}/ -o /dev/null\n```",
    "I can't reproduce this from our side — it loads fine for me. Could you try a private window, and your "
    "phone on mobile data, and tell me whether it's the same?",
    "Before I change anything on the account, please confirm you're the owner by replying with the "
    "last 4 digits of the card on file.",
)
INTERIM = (
    "Quick update: I can see the issue and have passed it to our systems team. I'll keep you posted.",
    "I've applied a first fix on our side. Could you check again and let me know whether it looks better?",
    "Thanks for the details, that helps. I'm checking the logs on **{server}** now.",
)
PROMISE = (
    "I'm escalating this to our infrastructure team now. **I'll send you an update by {when}** at the latest, "
    "even if we're still working on it.",
    "We're still investigating. Next update from me: **{when}**.",
    "I'm waiting for a colleague to confirm the fix. You'll hear from me by {when}.",
)
HOLD = (
    "We've opened a case with the domain registry; they usually answer within 1–2 business days. "
    "I've put this ticket on hold and will update you as soon as they reply.",
    "This needs a fix from our upstream network provider (reference **NET-{number}**). "
    "I'll keep the ticket on hold until they confirm.",
)
FOLLOWUPS = (
    "Any news on this? It's still not working.",
    "I tried that but nothing changed. Here's what I see now:\n\n```\n$ curl -I https://{domain}\n"
    "HTTP/2 503\nretry-after: 120\n```",
    "Here is the information you asked for:\n\n- URL: https://{domain}/checkout\n- started: yesterday around 16:00\n"
    "- screenshot attached",
    "Sorry for the late reply, I was travelling. It's still happening.",
    "OK, I did what you said. Is there anything else I should check?",
    "Hello?? This is really urgent, we are losing customers!!!",
)
THANKS = (
    "That fixed it, thank you so much!",
    "Works now. Thanks for the quick help 👍",
    "Confirmed, all good on our side. You can close this.",
)
