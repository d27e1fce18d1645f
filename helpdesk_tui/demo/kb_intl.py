"""KB articles in Japanese, Italian and Hebrew: the topics customers ask about most."""

from __future__ import annotations

from helpdesk_tui.demo.kb_families import Entry

# (slug, title, tags, body)
_Article = tuple[str, str, tuple[str, ...], str]

_JA: tuple[_Article, ...] = (
    ("dns-propagation", "DNSの反映にかかる時間について", ("dns", "propagation"), """\
# DNSの反映にかかる時間について

ネームサーバーやDNSレコードを変更しても、世界中のDNSサーバーが古い情報をキャッシュしているため、
すぐには反映されません。これを「DNSの浸透(反映)」と呼びます。

## 目安

- レコードの変更: TTLの時間(通常1時間)
- ネームサーバーの変更: 最大**48時間**

## 確認方法

```
$ dig +short NS example.com
$ dig +short A example.com @8.8.8.8
```

詳しくは[TTLについて](https://help.example/ja/articles/ttl)をご覧ください。"""),
    ("mx", "MXレコードの設定方法", ("email", "mx", "dns"), """\
# MXレコードの設定方法

1. **ドメイン → DNSゾーン** を開きます。
2. 既存の `MX` レコードを削除します。
3. 以下を追加します。
   ```
   example.com.  3600  IN  MX  10 mx1.hostingco.example.
   example.com.  3600  IN  MX  20 mx2.hostingco.example.
   ```
4. 1時間ほどで新しいメールが届くようになります。"""),
    ("spf-dkim", "SPF・DKIMの設定(迷惑メール対策)", ("email", "spf", "dkim"), """\
# SPF・DKIMの設定

送信したメールが迷惑メールと判定される場合、SPFとDKIMを設定してください。

## SPF

```
example.com.  IN  TXT  "v=spf1 include:_spf.hostingco.example ~all"
```

SPFレコードは**1つだけ**にしてください。

## DKIM

**メール → 認証 → DKIM** で「有効にする」をクリックすると、自動でレコードが追加されます。"""),
    ("password-reset", "パスワードの再設定", ("password", "login"), """\
# パスワードの再設定

1. ログイン画面の「パスワードをお忘れですか?」をクリック
2. 登録メールアドレスを入力
3. 届いたメールのリンクを**1時間以内**に開き、新しいパスワードを設定

## メールが届かない場合

- 迷惑メールフォルダをご確認ください。
- 登録メールアドレスが古い場合は、本人確認のうえサポートで対応いたします。

サポートがパスワードをお伺いすることは**絶対にありません**。"""),
    ("2fa", "二段階認証の設定と端末紛失時の対応", ("2fa", "security"), """\
# 二段階認証(2FA)

## 設定

1. **アカウント → セキュリティ → 二段階認証**
2. 認証アプリでQRコードを読み取る
3. 6桁のコードを入力
4. **バックアップコードを必ず保存**してください

## スマートフォンを紛失した場合

バックアップコードでログインできます。お持ちでない場合は、本人確認(カード下4桁など)のうえ
サポートで二段階認証を解除いたします。"""),
    ("ssl", "SSL証明書の自動更新について", ("ssl", "certificate"), """\
# SSL証明書の自動更新

すべてのドメインに無料のSSL証明書(Let's Encrypt)が発行され、有効期限の30日前に自動更新されます。

## 更新に失敗する主な原因

- `.htaccess` のリダイレクト設定
- ドメインが他のサーバーを向いている
- `CAA` レコードの制限

**SSL → 証明書 → 今すぐ更新** でエラー内容を確認できます。"""),
    ("site-down", "サイトが表示されないときのチェックリスト", ("site-down", "troubleshooting"), """\
# サイトが表示されないとき

1. 他の端末・回線(スマホのモバイル通信など)でも表示されないか確認
2. [障害情報ページ](https://status.hostingco.example)を確認
3. エラーの種類を確認
   - `502` / `504`: PHPの処理が混雑しています
   - 「データベース接続確立エラー」: データベースの設定または上限
4. 最近の変更(プラグイン更新、DNS変更)を確認
5. URL・エラー内容・発生時刻を添えてお問い合わせください"""),
    ("billing", "請求と請求書について", ("billing", "invoice"), """\
# 請求と請求書

- 契約は**月払い**または**年払い**で、契約日に自動更新されます。
- 更新の7日前にご登録のカードへ請求し、請求書をメールでお送りします。
- 請求書は **請求 → 請求書** からPDFでダウンロードできます。

## 請求が二重になっている場合

多くの場合、片方は**与信確保**で、3〜5営業日で明細から消えます。"""),
    ("refund", "返金ポリシー", ("billing", "refund"), """\
# 返金ポリシー

- ホスティングプランは初回契約から**30日以内**であれば全額返金いたします。
- ドメインの登録料・更新料は返金の対象外です。

## 返金の申請方法

ご登録のメールアドレスから、請求書番号を記載してお問い合わせください。
返金は5〜10営業日で元のお支払い方法に戻ります。"""),
    ("cancel", "解約の手続き", ("billing", "cancellation"), """\
# 解約の手続き

1. **請求 → サービス** で対象サービスの「⋯ → 解約」を選択
2. 「契約期間の終了時に解約」(おすすめ)または「即時解約」を選択
3. 解約後**14日間**でデータは削除されます。事前にバックアップを取得してください

ドメインは別途、移管または解約の手続きが必要です。"""),
    ("backup-restore", "バックアップからの復元", ("backup", "restore"), """\
# バックアップからの復元

毎日2時(UTC)にバックアップを取得し、30日分を保管しています。

1. **ファイル → バックアップ → 復元**
2. 日付と復元するフォルダを選択
3. 復元先を選択(新しいフォルダに復元して比較するのがおすすめです)

> データベースを復元すると、バックアップ以降の注文などが失われます。ご注意ください。"""),
    ("sftp", "FTP・SFTPの接続設定", ("ftp", "sftp"), """\
# FTP・SFTPの接続設定

セキュリティのため、FTP(ポート21)は停止しております。**SFTP** をご利用ください。

| 項目 | 設定値 |
|---|---|
| ホスト | webNN.hostingco.example |
| ポート | 22 |
| プロトコル | SFTP |

FileZilla の場合: **ファイル → サイトマネージャー → 新しいサイト** で「SFTP」を選択します。"""),
    ("php-version", "PHPのバージョン変更", ("php",), """\
# PHPのバージョン変更

**詳細設定 → PHP設定 → バージョン** から変更できます。1分ほどで反映され、すぐに元に戻すこともできます。

変更前に、CMS・テーマ・プラグインを最新版に更新してください。

```ini
memory_limit = 512M
```

のような設定は `.user.ini` に記述します。"""),
    ("database-limits", "データベースの容量と接続数の上限", ("database", "limits"), """\
# データベースの上限

| プラン | 容量 | 同時接続数 |
|---|---|---|
| Starter | 1GB | 10 |
| Business | 2GB | 30 |
| Pro | 5GB | 60 |

容量の90%に達するとメールでお知らせします。大きなテーブルは **データベース → 使用状況** で確認できます。"""),
)

_IT: tuple[_Article, ...] = (
    ("dns-propagation", "Propagazione DNS: quanto tempo serve", ("dns", "propagation"), """\
# Propagazione DNS

Dopo una modifica ai DNS i server di tutto il mondo continuano a usare la risposta **vecchia**
finché la copia in cache non scade.

- Modifica di un record: quanto il **TTL** (di solito 1 ora)
- Cambio dei nameserver: fino a **48 ore**

```
$ dig +short NS example.com
```

Guida: [cos'è il TTL](https://help.example/it/articles/ttl)."""),
    ("mail-checklist", "Non ricevo le email: cosa controllare", ("email", "troubleshooting"), """\
# Non ricevo le email

1. La casella è **piena**? In webmail la quota è in alto.
2. I record **MX** sono corretti?
   ```
   $ dig +short MX example.com
   ```
3. Controlla la cartella **Spam** in webmail.
4. Chiedi al mittente il messaggio di errore (bounce) e allegalo al ticket."""),
    ("password-reset", "Reimpostare la password del pannello", ("password", "login"), """\
# Reimpostare la password

1. Nella pagina di accesso clicca **Password dimenticata?**
2. Inserisci l'indirizzo email dell'account.
3. Apri il link **entro un'ora** e scegli una nuova password (almeno 12 caratteri).

Non ti chiederemo **mai** la password in un ticket."""),
    ("2fa", "Autenticazione a due fattori (2FA)", ("2fa", "security"), """\
# Autenticazione a due fattori

1. **Account → Sicurezza → Autenticazione a due fattori**
2. Scansiona il codice QR con un'app di autenticazione.
3. Inserisci il codice a 6 cifre.
4. **Salva i codici di backup.**

Hai perso il telefono? Usa un codice di backup oppure apri un ticket: dopo la verifica
dell'identità disattiviamo la 2FA."""),
    ("ssl", "Certificato SSL: rinnovo automatico", ("ssl", "certificate"), """\
# Certificato SSL

Ogni dominio riceve un certificato gratuito Let's Encrypt, rinnovato in automatico 30 giorni prima della scadenza.

Se il rinnovo fallisce, controlla:

- redirect nel file `.htaccess`
- DNS che puntano a un altro server
- un record `CAA` restrittivo"""),
    ("site-down", "Il sito non si apre: checklist", ("site-down", "troubleshooting"), """\
# Il sito non si apre

1. Prova da un'altra rete (es. il telefono con i dati mobili).
2. Controlla la [pagina di stato](https://status.hostingco.example).
3. Leggi l'errore: `502`/`504` = PHP sovraccarico; *errore di connessione al database* = limiti o credenziali.
4. Cosa è cambiato di recente? Plugin, DNS, dominio scaduto.
5. Apri un ticket urgente con URL, errore e orario."""),
    ("fatture", "Fatture e fatturazione elettronica", ("billing", "invoice", "fattura"), """\
# Fatture

- Le fatture sono in **Fatturazione → Fatture** (PDF).
- Per la fatturazione elettronica inserisci **partita IVA** e **codice SDI** (o PEC) in
  **Fatturazione → Dati aziendali**.

Le modifiche valgono per le fatture **future**. Per riemettere una fattura apri un ticket con il numero."""),
    ("rimborsi", "Politica di rimborso", ("billing", "refund", "rimborso"), """\
# Rimborsi

- **Garanzia di rimborso di 30 giorni** sui piani hosting (primo acquisto).
- Registrazioni e rinnovi di dominio **non** sono rimborsabili.

Il rimborso torna sul metodo di pagamento originale in 5-10 giorni lavorativi."""),
    ("disdetta", "Disdetta di un servizio", ("billing", "cancellation", "disdetta"), """\
# Disdetta

1. **Fatturazione → Servizi → ⋯ → Disdici**
2. Scegli *alla scadenza* (consigliato) o *subito*.
3. Scarica un backup finale: i dati vengono eliminati **14 giorni** dopo la chiusura."""),
    ("backup", "Come funzionano i backup", ("backup", "restore"), """\
# Backup

- Ogni notte alle 02:00 UTC: file, database e caselle email.
- Conserviamo **30 copie giornaliere** e 12 settimanali.

Ripristino: **File → Backup → Ripristina**. Ripristinare un database sovrascrive gli ordini successivi al backup."""),
)

_HE: tuple[_Article, ...] = (
    ("dns-propagation", "כמה זמן לוקח עדכון DNS", ("dns", "propagation"), """\
# עדכון DNS

אחרי שינוי ב-DNS, שרתים ברחבי העולם ממשיכים להחזיר את התשובה **הישנה** עד שהעותק השמור אצלם פג.

- שינוי רשומה: לפי ה-**TTL** (בדרך כלל שעה)
- החלפת שרתי שמות: עד **48 שעות**

```
$ dig +short NS example.com
```"""),
    ("password-reset", "איפוס סיסמה לפאנל הניהול", ("password", "login"), """\
# איפוס סיסמה

1. בעמוד הכניסה לחצו על **שכחתי סיסמה**.
2. הזינו את כתובת המייל של החשבון.
3. פתחו את הקישור **תוך שעה** ובחרו סיסמה חדשה (12 תווים לפחות).

לעולם **לא** נבקש מכם את הסיסמה בפנייה."""),
    ("2fa", "אימות דו-שלבי", ("2fa", "security"), """\
# אימות דו-שלבי

1. **חשבון ← אבטחה ← אימות דו-שלבי**
2. סרקו את קוד ה-QR באפליקציית אימות.
3. הזינו את הקוד בן 6 הספרות.
4. **שמרו את קודי הגיבוי.**

איבדתם את הטלפון? השתמשו בקוד גיבוי, או פתחו פנייה לאימות זהות."""),
    ("ssl", "תעודת SSL וחידוש אוטומטי", ("ssl", "certificate"), """\
# תעודת SSL

כל דומיין מקבל תעודת Let's Encrypt בחינם, שמתחדשת אוטומטית 30 יום לפני שהיא פגה.

אם החידוש נכשל, בדקו:

- הפניות בקובץ `.htaccess`
- רשומות DNS שמפנות לשרת אחר
- רשומת `CAA` מגבילה"""),
    ("site-down", "האתר לא עולה: רשימת בדיקה", ("site-down", "troubleshooting"), """\
# האתר לא עולה

1. נסו מרשת אחרת (למשל מהטלפון בגלישה סלולרית).
2. בדקו את [עמוד הסטטוס](https://status.hostingco.example).
3. קראו את השגיאה: `502`/`504` = עומס ב-PHP; שגיאת חיבור למסד נתונים = מגבלה או פרטי גישה.
4. פתחו פנייה דחופה עם הכתובת, השגיאה והשעה."""),
    ("invoices", "חשבוניות ותשלומים", ("billing", "invoice"), """\
# חשבוניות

- החשבוניות נמצאות תחת **חיוב ← חשבוניות** (PDF).
- את שם החברה ומספר ח.פ. מעדכנים תחת **חיוב ← פרטי חברה**.

חיוב כפול בכרטיס? בדרך כלל אחד מהם הוא **מסגרת זמנית** שנעלמת תוך 3-5 ימי עסקים."""),
    ("refund", "מדיניות החזר כספי", ("billing", "refund"), """\
# החזר כספי

- **החזר כספי מלא תוך 30 יום** על חבילות אחסון (רכישה ראשונה).
- רישום וחידוש דומיינים **אינם** ניתנים להחזר.

ההחזר חוזר לאמצעי התשלום המקורי תוך 5-10 ימי עסקים."""),
    ("cancel", "ביטול שירות", ("billing", "cancellation"), """\
# ביטול שירות

1. **חיוב ← שירותים ← ⋯ ← ביטול**
2. בחרו *בסוף התקופה* (מומלץ) או *מיידית*.
3. הורידו גיבוי אחרון: הנתונים נמחקים **14 יום** אחרי סיום השירות."""),
)

ARTICLES: list[Entry] = (
    [("ja", slug, title, tags, body) for slug, title, tags, body in _JA]
    + [("it", slug, title, tags, body) for slug, title, tags, body in _IT]
    + [("he", slug, title, tags, body) for slug, title, tags, body in _HE]
)
