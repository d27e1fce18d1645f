"""Italian ticket material: subjects, first messages, replies and follow-ups."""

from __future__ import annotations

from datetime import datetime


def when(at: datetime) -> str:
    return f"le {at.hour:02d}:{at.minute:02d} UTC del {at.day:02d}/{at.month:02d}"


AGENT_GREETING = "Buongiorno {name},\n\n"
AGENT_CLOSING = "\n\nCordiali saluti,\nIl team di supporto"
CUSTOMER_CLOSINGS = ("\n\nGrazie,\n{name}", "\n\nCordiali saluti,\n{fullname}", "")

SUBJECTS = {
    "site_down": ("Il sito {domain} non funziona", "URGENTE: sito irraggiungibile", "Errore 502 sul sito"),
    "dns": ("Dominio {domain} non raggiungibile dopo il cambio DNS", "Propagazione DNS troppo lenta"),
    "mail": ("Non ricevo più le email", "Le email a info@{domain} tornano indietro"),
    "spf_dkim": ("Le nostre email finiscono nello spam", "Configurazione SPF e DKIM"),
    "billing": ("Fattura {invoice} con partita IVA errata", "Addebito doppio sulla carta", "Richiesta copia fattura"),
    "refund": ("Richiesta di rimborso", "Rimborso rinnovo dominio"),
    "cancel": ("Disdetta del servizio", "Come disattivo il rinnovo automatico?"),
    "password": ("Password dimenticata", "Non arriva l'email per reimpostare la password"),
    "twofa": ("Codice 2FA non valido", "Ho perso il telefono con l'autenticazione a due fattori"),
    "ssl": ("Certificato SSL scaduto su {domain}", "Il browser dice che la connessione non è sicura"),
    "slow": ("Sito molto lento", "Pannello di amministrazione lentissimo"),
    "backup": ("Ripristino backup urgente", "Ho cancellato una cartella per errore"),
    "ftp": ("Non riesco a collegarmi in FTP", "Errore SFTP: connessione rifiutata"),
    "php": ("Cambio versione PHP", "Sito in errore dopo l'aggiornamento PHP"),
    "database": ("Limite database raggiunto", "Importazione database troppo grande"),
}

OPENINGS = {
    "site_down": (
        "Buongiorno,\n\nda stamattina il sito **{domain}** non si apre più. Ho provato:\n\n"
        "1. da computer e da telefono\n2. con un altro browser\n\nCompare sempre questo:\n\n"
        "```\n502 Bad Gateway\nnginx\n```\n\nPotete controllare con urgenza? Abbiamo un e-commerce.",
        "Salve, il sito {domain} mostra \"Errore nello stabilire una connessione al database\". Non abbiamo toccato nulla.",
    ),
    "dns": (
        "Ho cambiato i DNS del dominio {domain} ieri sera (ns1.hostingco.example, ns2.hostingco.example) "
        "ma vedo ancora il vecchio sito.\n\n```\n$ dig +short NS {domain}\nns1.oldhost.example.\n```\n\nQuanto tempo serve?",
    ),
    "mail": (
        "Da ieri non riceviamo più email su info@{domain}. I clienti ricevono questo errore:\n\n"
        "```\n552 5.2.2 Mailbox full\n```\n\nL'invio invece funziona.",
        "Ho configurato la posta su Outlook ma continua a chiedermi la password. Uso:\n\n"
        "- server: mail.{domain}\n- porta 110\n- nessuna crittografia",
    ),
    "spf_dkim": (
        "Le email che inviamo ai clienti finiscono nello spam di Gmail. Mi hanno detto di configurare SPF e DKIM: "
        "quali record devo aggiungere?",
    ),
    "billing": (
        "Buongiorno, la fattura {invoice} riporta una partita IVA sbagliata. Potete riemetterla con questi dati?\n\n"
        "- Ragione sociale: {org}\n- P.IVA: IT01234567890\n- Codice SDI: M5UXCR1",
        "Sulla carta vedo due addebiti uguali per il rinnovo del piano Business. Potete verificare?",
    ),
    "refund": (
        "Ho attivato il servizio la settimana scorsa ma non ci serve più. Avete la garanzia di rimborso di 30 giorni, "
        "giusto? Vorrei il **rimborso** completo.",
    ),
    "cancel": (
        "Vorrei dare disdetta per l'hosting di {domain} alla scadenza. Il dominio lo trasferiamo altrove. "
        "Prima però mi serve un backup completo.",
    ),
    "password": (
        "Ho dimenticato la password del pannello e l'email per reimpostarla non arriva a {email} "
        "(ho controllato anche lo spam). Potete aiutarmi?",
    ),
    "twofa": (
        "Ho cambiato telefono e l'app di autenticazione non ha più il codice per il vostro pannello. "
        "Non ho salvato i codici di backup. Come posso accedere?",
    ),
    "ssl": (
        "Chi visita {domain} vede \"La connessione non è privata\" (NET::ERR_CERT_DATE_INVALID). "
        "Il certificato non doveva rinnovarsi da solo?",
    ),
    "slow": (
        "Da una settimana il sito {domain} è lentissimo, ogni pagina ci mette 6-8 secondi.\n\n"
        "```\nttfb=5.912 total=6.204\n```\n\nAbbiamo solo aggiornato alcuni plugin.",
    ),
    "backup": (
        "Ho cancellato per errore la cartella `public_html/images`. Potete ripristinare **solo quella cartella** "
        "dal backup di stanotte? Il database no, ci sono ordini nuovi.",
    ),
    "ftp": (
        "FileZilla non si collega più:\n\n```\nErrore:\tImpossibile connettersi al server\n```\n\n"
        "Fino alla settimana scorsa funzionava.",
    ),
    "php": (
        "Dopo l'aggiornamento di PHP il sito mostra un errore fatale:\n\n"
        "```\nPHP Fatal error:  Uncaught Error: Call to undefined function create_function()\n```\n\n"
        "Si può tornare alla versione precedente?",
    ),
    "database": (
        "Ci è arrivata un'email: il database ha raggiunto il limite di 1 GB del piano. Come capisco cosa occupa spazio?",
    ),
}

SOLUTIONS = {
    "site_down": (
        "Il problema era il disco del server **{server}** pieno di log. Abbiamo liberato spazio e il sito è di nuovo online:\n\n"
        "```\n$ curl -I https://{domain}\nHTTP/2 200\n```\n\nPer evitarlo in futuro:\n\n"
        "1. disattivate il log di debug del plugin di cache\n2. eliminate i vecchi backup da `public_html`",
    ),
    "dns": (
        "Presso il vostro registrar risultano ancora i vecchi nameserver. Impostate `ns1.hostingco.example` e "
        "`ns2.hostingco.example` e salvate: la propagazione richiede di solito 1-4 ore (fino a 48). "
        "Guida: [propagazione DNS](https://help.example/it/articles/dns-propagation).",
    ),
    "mail": (
        "La casella info@{domain} era piena (2 GB su 2 GB). Ho aumentato lo spazio a 5 GB. "
        "Vi consiglio di svuotare **Cestino** e **Spam** dalla webmail.",
        "Usate questi parametri:\n\n| Parametro | Valore |\n|---|---|\n| Server | mail.hostingco.example |\n"
        "| Protocollo | IMAP |\n| Porta | 993 |\n| Crittografia | SSL/TLS |",
    ),
    "spf_dkim": (
        "Aggiungete questo record TXT:\n\n```\n{domain}.  3600  IN  TXT  \"v=spf1 include:_spf.hostingco.example ~all\"\n```\n\n"
        "Il DKIM si attiva da **Email → Autenticazione**.",
    ),
    "billing": (
        "Ho riemesso la fattura {invoice} con i dati corretti; la trovate nella [pagina fatture](https://billing.hostingco.example/invoices).",
        "Il secondo movimento è una **preautorizzazione**, non un addebito: sparirà in 3-5 giorni lavorativi.",
    ),
    "refund": (
        "Siete entro i 30 giorni: ho emesso il rimborso completo del canone di hosting. "
        "La registrazione del dominio non è rimborsabile. L'accredito richiede 5-10 giorni lavorativi.",
    ),
    "cancel": (
        "Ho registrato la disdetta: l'hosting di {domain} terminerà alla fine del periodo in corso. "
        "I file restano scaricabili per **14 giorni** dopo la chiusura.",
    ),
    "password": (
        "Ho rimosso il blocco e inviato di nuovo il link per reimpostare la password.\n\n"
        "1. aprite il link entro un'ora\n2. scegliete una password di almeno 12 caratteri\n"
        "3. aggiornatela anche nel client FTP e di posta",
    ),
    "twofa": (
        "Verifica dell'identità completata: ho disattivato l'autenticazione a due fattori. "
        "Riattivatela da **Account → Sicurezza** e salvate i codici di backup.",
    ),
    "ssl": (
        "Il rinnovo automatico falliva per un redirect nel file `.htaccess`. Ho aggiunto un'eccezione e rinnovato "
        "il certificato, che da ora si rinnoverà da solo.",
    ),
    "slow": (
        "Un plugin di cache salvava molti dati in `wp_options`, caricati a ogni pagina. Dopo la pulizia e "
        "l'attivazione di OPcache il tempo di risposta è sceso a circa **0,4 s**.",
    ),
    "backup": (
        "Ho ripristinato solo `public_html/images` dal backup delle 02:00 UTC (4.213 file). Il database non è stato toccato.",
    ),
    "ftp": (
        "L'FTP semplice (porta 21) è stato disattivato il primo del mese: usate **SFTP** sulla porta 22, "
        "host `{server}.hostingco.example`, stesse credenziali.",
    ),
    "php": (
        "PHP 7.4 non è più supportato, ma ho impostato PHP 8.1. Il plugin `old-slider` va aggiornato o sostituito.",
    ),
    "database": (
        "La tabella più grande è `wp_actionscheduler_logs` (640 MB). Attivate l'eliminazione dei log più vecchi "
        "di 30 giorni nelle impostazioni del negozio.",
    ),
}

ASK = (
    "Per verificare, ci potete inviare:\n\n1. l'indirizzo esatto della pagina\n2. uno screenshot dell'errore\n"
    "3. da quando si presenta il problema",
    "Potete eseguire questo comando e incollare il risultato?\n\n```\ndig +trace {domain}\n```",
    "Per sicurezza, ci confermate le ultime 4 cifre della carta registrata?",
)
INTERIM = (
    "Stiamo verificando con il team sistemistico, vi aggiorno appena possibile.",
    "Sto controllando i log del server **{server}**.",
)
PROMISE = (
    "Il caso è stato passato al team infrastruttura. **Vi aggiorno entro {when}**, anche se non avremo ancora risolto.",
    "Stiamo ancora indagando. Prossimo aggiornamento: {when}.",
)
HOLD = (
    "Abbiamo aperto una richiesta al registro del dominio; di solito rispondono in 1-2 giorni lavorativi. "
    "Metto il ticket in attesa e vi aggiorno appena abbiamo notizie.",
)
FOLLOWUPS = (
    "Novità? Il problema c'è ancora.",
    "Ho provato ma non cambia nulla:\n\n```\nHTTP/2 503\n```",
    "Ecco le informazioni richieste:\n\n- pagina: https://{domain}/carrello\n- da ieri verso le 16\n- allego lo screenshot",
    "Scusate il ritardo, ero in viaggio. Il problema persiste.",
)
THANKS = (
    "Risolto, grazie mille!",
    "Ora funziona tutto. Grazie per la rapidità, potete chiudere.",
)
