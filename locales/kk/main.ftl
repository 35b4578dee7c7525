# Интерфейс мәтіндері, қазақ тілі.
# The ids are the same in kk/, ru/ and en/ main.ftl, and every id the server's code names
# exists in all three (tests in crates/server/src/i18n.rs check both). Counts are `$count`
# with CLDR plural categories: Russian one/few/many, Kazakh and English one/other.

## nav

nav-skip = Негізгі мазмұнға өту
nav-label = Негізгі мәзір
nav-languages = Тіл
nav-services = Қызметтер
nav-cabinet = Менің өтініштерім
nav-work = Жұмыс орны
nav-sc = Мемлекеттік корпорация терезесі
nav-monitoring = Мониторинг
nav-admin = Әкімшілік
nav-tokens = Кіру токендері
nav-login = Кіру
nav-register = Тіркелу
nav-logout = Шығу
nav-home = Басты бет

## footer

# The brand in the page's script: "qyzmet" is the Latin spelling of «қызмет».
brand = Қызмет

footer-text = «Қызмет» — Қазақстанның мемлекеттік қызмет көрсету регламенттері деректер ретінде орындалады. Құмсалғыш: бастапқы регламенттер тарихи, олар күшінде болған күнге қойылып жұмыс істейді.

## home

home-title = Мемлекеттік қызметтер
home-intro = Мемлекеттік қызметке өтініш беріңіз, оның әр қадамын бақылаңыз және нәтижесін алыңыз.
home-portal = Қызметті тауып, өтініш беру
home-clock = Сервер уақыты (Алматы)

## common

common-yes = иә
common-no = жоқ

## form

form-error_summary = Қателер бар
form-required = Бұл өрісті толтырыңыз
form-password_length = Құпиясөз кемінде { $count } таңбадан тұруы керек
form-phone_format = Телефон нөмірін енгізіңіз, мысалы +7 701 000 00 00
form-iin_taken = Бұл ЖСН-мен есептік жазба бұрыннан бар: соған кіріңіз

## login

login-title = Кіру
login-login = ЖСН немесе логин
login-login_hint = Азаматтар: 12 цифрлы ЖСН. Қызметкерлер: сізге берілген логин.
login-password = Құпиясөз
login-submit = Кіру
login-no_account = Есептік жазбаңыз әлі жоқ па?
login-bad_credentials = ЖСН (немесе логин) не құпиясөз қате
login-locked = Сәтсіз әрекет тым көп: есептік жазба { $until } дейін бұғатталды

## register

register-title = Тіркелу
register-iin = ЖСН
register-iin_hint = 12 цифр, мысалы 900101300007
register-name = Тегі, аты, әкесінің аты
register-phone = Ұялы телефон (міндетті емес)
register-phone_hint = Өтініштің барысы туралы SMS үшін
register-password = Құпиясөз
register-submit = Есептік жазба ашу

## services

services-title = Қызметтер
services-search = Қызметтерді іздеу
services-search_hint = Атауындағы сөздер, кез келген тілде
services-search_button = Іздеу
services-found = Табылған қызметтер: { $count }
services-channels = өтініш беру арнасы
services-in_force = күшінде
services-not_in_force = сервер күнінде күшінде емес

## service

service-id = Регламент
service-version = { $n }-нұсқа
service-diagram_file = Сурет файлы
service-region = Өңір
service-act = Бекітілген күні
service-repealed_on = күшін жойған күні
service-channels = Қайда өтініш беруге болады және мерзімдер
service-channel = Арна
service-accepts = Өтініш қабылдайды
service-issues = Нәтиже береді
service-term = Қызмет көрсету мерзімі
service-providers = Қызметті кім көрсетеді
service-steps = Қадамдар
service-diagrams = Үдеріс сызбалары
service-diagram_of = Үдеріс: { $flow }
passport-title = Мемлекеттік қызмет паспорты
passport-results = Қызмет нәтижесі
passport-result_form = Нәтижені беру нысаны
passport-result_form-paper = қағаз түрінде
passport-result_form-electronic = электрондық түрде
passport-recipients = Қызметті кім алады
passport-cost = Құны
passport-where = Қайда жүгінуге болады және мерзімдер
passport-acceptance_day_not_counted = құжаттарды қабылдау күні мерзімге кірмейді
passport-issues_only = тек нәтиже береді
passport-documents = Қажетті құжаттар
passport-only_on = тек: { $channels }
passport-conditional = санатқа қарай
passport-grounds = Қызмет көрсетуден бас тарту негіздері
passport-grounds_hint = Жабық тізбе: орындаушы тек осы негіздердің бірін таңдайды.
passport-acceptance_grounds = Құжаттарды қабылдаудан бас тарту негіздері
passport-no_grounds = Регламент мәтінінде бас тарту негіздері көрсетілмеген.
passport-appeal = Шағымдану тәртібі
passport-appeal_term = шағым тіркелген күнінен бастап { $term } ішінде қаралады
passport-appeal_law = Негіз: { $law }
passport-waiting = Ең ұзақ күту уақыты
passport-waiting-submission = Құжаттарды тапсыру ({ $channel }): ең көбі { $max }
passport-waiting-result = Нәтижені алу ({ $channel }): ең көбі { $max }
passport-ref_para = Стандарттың { $para }-тармағы
passport-ref_subpara = Стандарттың { $para }-тармағының { $sub }) тармақшасы
passport-ref_app = Стандарттың { $app }-қосымшасы
passport-ref_regulation = регламенттің мәтіні

## channel

channel-office = көрсетілетін қызметті берушінің кеңсесі
channel-state_corporation = Мемлекеттік корпорация
channel-portal = электрондық үкімет порталы
channel-intermediary = қабылдау пункті

## unit

unit-seconds =
    { $count ->
        [one] { $count } секунд
       *[other] { $count } секунд
    }
unit-minutes =
    { $count ->
        [one] { $count } минут
       *[other] { $count } минут
    }
unit-hours =
    { $count ->
        [one] { $count } сағат
       *[other] { $count } сағат
    }
unit-working_days =
    { $count ->
        [one] { $count } жұмыс күні
       *[other] { $count } жұмыс күні
    }
unit-calendar_days =
    { $count ->
        [one] { $count } күнтізбелік күн
       *[other] { $count } күнтізбелік күн
    }
unit-days_unspecified =
    { $count ->
        [one] { $count } күн
       *[other] { $count } күн
    }
unit-months =
    { $count ->
        [one] { $count } ай
       *[other] { $count } ай
    }

## apply

apply-title = Порталда өтініш беру
apply-you_need = Сізге қажет болады:
apply-provider = Көрсетілетін қызметті беруші
apply-phone_hint = Өтініштің барысы туралы SMS осы нөмірге келеді (22:00-ден 08:00-ге дейін жіберілмейді)
apply-declaration = Растау
apply-confirm = Мәліметтердің дұрыстығын және құжаттарымның жарамдылығын растаймын
apply-confirm_required = Өтініш беру үшін мәліметтерді растаңыз
apply-submit = Өтініш беру
apply-no_providers = Бұл қызметті мұнда әлі бірде-бір ұйым көрсетпейді.
apply-not_in_force = Сервер күнінде регламент күшінде емес: өтініштер қабылданбайды.
apply-no_portal = Бұл қызмет портал арқылы көрсетілмейді: көрсетілетін қызметті берушінің кеңсесіне немесе Мемлекеттік корпорацияға жүгініңіз.
apply-citizens_only = Мұнда өтінішті азаматтар береді; қызметкерлер қағаз өтініштерді өз жұмыс орнында тіркейді.
apply-login_first = Өтініш беру үшін кіріңіз

## cabinet

cabinet-title = Менің өтініштерім
cabinet-documents = Нәтижелер мен қолхаттар
cabinet-apply_more = Басқа қызметке өтініш беру

## list

list-application = Өтініш
list-service = Қызмет
list-applicant = Өтініш беруші
list-status = Мәртебесі
list-holder = Қазір кімде
list-due = Мерзімі
list-empty = Әзірге ештеңе жоқ.

## status

status-in_progress = орындалуда
status-awaiting_issue = дайын, берілуін күтуде
status-returned_to_provider = алынбаған, көрсетілетін қызметті берушіге қайтарылды
status-closed = жабылды

## closure

closure-issued = нәтиже берілді
closure-refusal_issued = бас тартылды (дәлелді бас тарту берілді)
closure-acceptance_refused = құжаттарды қабылдаудан бас тартылды
closure-refusal_notice = бас тартылды (бас тарту туралы хабарлама)

## sla

sla-on_time = мерзімінде
sla-at_risk = мерзімі таяу
sla-overdue = мерзімі өткен

late-days =
    { $count ->
        [one] { $count } жұмыс күнге кешікті
       *[other] { $count } жұмыс күнге кешікті
    }
late-same_day = сол күні кешікті
late-within_day = бір жұмыс күнінен аз кешікті

## app

app-title = { $id } өтініші
app-service = Қызмет
app-provider = Көрсетілетін қызметті беруші
app-channel = Берілген арна
app-status = Мәртебесі
app-applicant = Өтініш беруші
app-submitted = Берілген күні
app-accepted_at = Қабылданды (мерзім осы сәттен есептеледі)
app-late_entry = жұмыс уақыты аяқталғаннан кейін енгізілді
app-term_due = Қызмет мерзімі аяқталады
app-version = Регламент нұсқасы
app-receipt = Қолхат нөмірі
app-refusal_grounds = Бас тарту негіздері
app-now_with = Қазір кімде:
app-due = Мерзімі:
app-documents = Құжаттар
app-notes = Лауазымды тұлғалардың белгілері
app-events = Журнал оқиғалары

## timeline

timeline-title = Орындалу барысы
timeline-who = Кім
timeline-what = Не істейді
timeline-duration = Нормативтік мерзім
timeline-due = Регламент бойынша мерзімі
timeline-state = Күйі
timeline-step = қадам
timeline-completed = орындалды
timeline-done = орындалды
timeline-current = қазір
timeline-pending = алда
timeline-not_reached = жетпеді
timeline-failure_only = тек бас тартқанда

## outcome

outcome-done = Орындалды: әрі қарай беру
outcome-refuse_acceptance = Құжаттарды қабылдаудан бас тарту
outcome-motivated_refusal = Дәлелді бас тарту дайындау
outcome-fail = Бас тарту (шарт орындалмады)

## act

act-title = Сіздің қадамыңыз
act-outcome = Шешім
act-note = Белгі
act-grounds = Негіздер
act-grounds_hint = Бас тартқанда міндетті: регламентте көрсетілген негіздер
act-presented = Нәтижені алушы не көрсетті
act-presented_none = әзірге ештеңе
act-identity_document = өтініш берушінің жеке басын куәландыратын құжаты
act-power_of_attorney = өкілдің нотариат куәландырған сенімхаты
act-submit = Қадамды жазу
act-note_for-head = Бұрыштама (орындаушыға)
act-note_for-executor = Тексеру нәтижесі
act-note_for-akim = Бұрыштама
act-note_for-specialist = Тексеру нәтижесі

## doc

doc-receipt = Қолхат
doc-result = Нәтиже
doc-signed = ЭЦҚ қойылған
doc-verify = Тексеру

## work

work-title = Жұмыс орны
work-inbox = Менің тапсырмаларым
work-all = Ұйымымның барлық өтініштері

## intake

intake-office_title = Қағаз өтінішті тіркеу
intake-service = Қызмет
intake-iin = Өтініш берушінің ЖСН-і
intake-name = Өтініш берушінің аты-жөні
intake-decision = Құжаттар
intake-accept = Толық топтама: қабылдап, қабылдау туралы қолхат беру
intake-refuse = Топтама толық емес немесе құжаттардың мерзімі өткен: қабылдаудан бас тарту (негіздері көрсетілген қолхат)
intake-grounds = Қабылдаудан бас тарту негіздері
intake-grounds_hint = Қандай құжаттар жетіспейді немесе қайсысының мерзімі өткен
intake-submit = Тіркеу
intake-late_entry = Жұмыс уақыты аяқталғаннан кейін енгізілді: келесі жұмыс уақытының басында қабылданған деп есептелсін
intake-centre = Орталық
intake-centre_default = Мемлекеттік корпорацияның жалпы кестесі

## sc

sc-title = Мемлекеттік корпорация терезесі
sc-intake_title = Өтінішті қабылдау
sc-choose = — қызметті таңдаңыз —
sc-choose_button = Таңдау
sc-intake_submit = Қабылдап, қолхат беру
sc-unclaimed = Алынбаған нәтижелер
sc-unclaimed_hint = Сақтау мерзімі ішінде алынбаған нәтижелер көрсетілетін қызметті берушіге қайтарылады.
sc-unclaimed_select = Көрсетілетін қызметті берушіге қайтару
sc-return_submit = Таңдалған нәтижелерді қайтару
sc-rerequest = Нәтижені көрсетілетін қызметті берушіден қайта сұрату
sc-rerequest_hint = Нәтиже алынбаған ретінде көрсетілетін қызметті берушіге қайтарылған. Өтініш беруші оны алуға келсе, қайта сұратыңыз.

## monitoring

monitoring-title = Мерзімдердің сақталуын бақылау
monitoring-from = Берілген күні, бастап
monitoring-to = Берілген күні, дейін
monitoring-date_hint = Күн, мысалы 03.12.2019
monitoring-apply = Көрсету
monitoring-at = Уақыты
monitoring-applications =
    { $count ->
        [one] { $count } өтініш
       *[other] { $count } өтініш
    }
monitoring-compliance_chart = Нормативтік мерзімде орындалған қадамдар, қызметтер бойынша
monitoring-time_chart = Қадамға кеткен уақыт пен нормативтік мерзім (минут, логарифмдік шкала)
monitoring-avg = орташа
monitoring-p90 = 90-процентиль
monitoring-legal = нормативтік мерзім
monitoring-minutes_short = мин
monitoring-overdue = Қазір мерзімі өткендер
monitoring-at_risk = Қазір мерзімі таяулар
monitoring-by_service = Қызметтер бойынша
monitoring-by_provider = Көрсетілетін қызметті берушілер бойынша
monitoring-by_role = Рөлдер бойынша
monitoring-by_step = Қадамдар бойынша
monitoring-key = Топ
monitoring-measured = Есепке алынған қадамдар
monitoring-on_time = Мерзімінде
monitoring-compliance = Сақталуы
monitoring-step = Қадам
monitoring-late = Мерзімі бұзылып берілген нәтижелер
monitoring-results_late =
    { $count ->
        [one] мерзімі бұзылып берілгені: { $count }
       *[other] мерзімі бұзылып берілгені: { $count }
    }
monitoring-late_total = Мерзімі бұзылып берілген нәтижелер: { $count }; жалпы кешігу, жұмыс күні: { $days }.
monitoring-late_count = Кешіккені
monitoring-late_steps = Кешігіп орындалғаны

## admin

admin-title = Әкімшілік
admin-clock = Сервер сағаты
admin-offset =
    қазіргі ығысу: { $count ->
        [one] { $count } минут
       *[other] { $count } минут
    }
admin-advance = Сағатты алға жылжыту (минут)
admin-advance_hint = 1440 — бір тәулік; теріс сан артқа жылжытады
admin-advance_submit = Сағатты жылжыту
admin-clock_fixed = Мұнда сағат нақты уақытпен жүреді: сервер демо режимде немесе бекітілген күнге қойылып іске қосылмаған.
admin-accounts = Есептік жазбалар
admin-kind = Түрі
admin-org = Ұйым
admin-roles = Рөлдер
account_kind-admin = әкімші
account_kind-monitor = бақылаушы
account_kind-staff = қызметкер
account_kind-citizen = азамат
admin-login = Логин

## tokens

tokens-title = Бағдарламалық кіру токендері
tokens-created = Жаңа токеніңіз (қазір көшіріп алыңыз, ол қайта көрсетілмейді):
tokens-name = Атауы
tokens-name_hint = Оны кім пайдаланады, мысалы интегратордың жүйесі
tokens-scopes = Құқықтар
tokens-created_at = Жасалған күні
tokens-revoke = Кері қайтарып алу
tokens-revoked = кері қайтарылды
tokens-new = Жаңа токен
tokens-create = Токен жасау
tokens-scope-read = өтініштер мен құжаттарды оқу
tokens-scope-submit = өтініш беру
tokens-scope-act = қадамдарды орындау
tokens-scope-monitor = мониторингті оқу
tokens-scope-admin = құмсалғышты басқару

## verify

verify-title = Құжатты тексеру
verify-found = Бұл құжатты «Қызмет» жүйесі берген.
verify-not_found = Мұндай тексеру коды бар құжат берілмеген.
verify-code = Тексеру коды
verify-application = Өтініш
verify-kind = Құжат
verify-issued = Берілген күні
verify-valid = Құжат түпнұсқа: мазмұны қол қойылған құжатпен дәл сәйкес, көрсетілетін қызметті берушінің ЭЦҚ-сы (электрондық цифрлық қолтаңбасы) жарамды.
verify-invalid = Құжат тексеруден өтпеді.
verify-unsigned = Құжатта электрондық цифрлық қолтаңба жоқ (қолхат немесе екі нұсқаға да қол қою енгізілмей тұрып қол қойылған түпнұсқаның орыс тіліндегі көшірмесі).
verify-content_mismatch = Құжаттың мазмұны қол қойылған құжаттан өзгеше.
verify-no_file = Тексеретін PDF файлын таңдаңыз.
verify-unknown_document = Бұл файл осында берілген құжат емес немесе берілгеннен кейін өзгертілген.
verify-upload_title = PDF құжатын тексеру
verify-upload_file = PDF құжаты
verify-upload_submit = Тексеру
verify-signed_by = Қол қойған
verify-signer = Қол қоюшының сертификаты
verify-issuer = Сертификатты берген
verify-serial = Сертификаттың сериялық нөмірі
verify-signing_time = Қол қойылған уақыты
verify-sha256_journal = Қолтаңбамен бірге журналға жазылған SHA-256 хэші
verify-content_matches = Мазмұны қол қойылған құжатқа сәйкес
verify-signature_valid = Қолтаңба жарамды
verify-technical_hint = Құжатты басқа құралмен тексеру үшін: файлдың SHA-256 хэші мен қол қоюшы сертификатының нөмірі.
verify-technical = Техникалық деректер
verify-trusted_ca = сервер сенетін куәландырушы орталық
verify-bin = БСН
verify-sha256 = Құжаттың SHA-256 хэші

## org

org-portal = электрондық үкімет порталы

## problem

problem-title = Сұраным орындалмады
# What an HTTP status means, for an error whose rule has no message of its own.
http_status-400 = Сұраным дұрыс емес: бетке қайтып, қайталап көріңіз.
http_status-403 = Мұны істеуге немесе көруге рұқсатыңыз жоқ.
http_status-404 = Табылмады немесе оны көруге рұқсатыңыз жоқ.
http_status-409 = Өтініш осы уақытта өзгерді: бетті жаңартып, қайталаңыз.
http_status-413 = Жіберілген деректер тым үлкен.
http_status-415 = Бұл пішімдегі деректер қабылданбайды.
http_status-422 = Енгізілген деректерді тексеріңіз.
http_status-429 = Әрекет тым жиі: біраз күтіп, қайталаңыз.
http_status-500 = Серверде қате пайда болды: ештеңе өзгертілмеді, кейінірек қайталаңыз.
http_status-503 = Сервер уақытша қолжетімсіз: ештеңе өзгертілмеді, кейінірек қайталаңыз.
problem-not_found = Табылмады немесе оны көруге рұқсатыңыз жоқ.
problem-csrf = Форманың мерзімі өтті: артқа қайтып, бетті жаңартып, қайталаңыз.
problem-wrong_step = Бұл қадамды басқа біреу орындап қойды: бетті жаңартыңыз.
problem-wrong_role = Бұл қадам басқа рөлге тиесілі.
problem-wrong_organisation = Бұл қадам басқа ұйымға тиесілі.
problem-no_such_branch = Регламент бұл қадамда мұндай шешімді көздемейді.
problem-identity_required = Нәтижені беру үшін өтініш берушінің жеке басын куәландыратын құжаты немесе өкілдің нотариат куәландырған сенімхаты қажет.
problem-application_closed = Өтініш жабылған.
problem-invalid = Бұл өрісті тексеріңіз.
problem-required = Бұл өрісті толтырыңыз.
problem-storage_period_not_over = Бұл нәтиженің сақталу мерзімі әлі өтпеді.
problem-regulation_repealed = Регламент күшін жойды: өтініштер қабылданбайды.
problem-regulation_not_yet_in_force = Регламент әлі күшіне енбеген еді.
problem-provider-type = Бұл ұйым таңдалған қызметті көрсетпейді.
problem-provider-unknown = Көрсетілетін қызметті берушіні тізімнен таңдаңыз.
problem-forbidden-role = Сізде ағымдағы қадамның рөлі жоқ.
problem-forbidden-organisation = Бұл басқа ұйымға тиесілі.
problem-forbidden-not_staff = Мұны тек қызметкерлер істейді.
problem-forbidden-not_citizen = Порталда өтінішті тек азаматтар береді.
problem-forbidden-admin = Мұны тек әкімшілер істейді.
problem-forbidden-monitoring = Мониторинг бақылаушыларға, әкімшілерге және қызметкерлерге ашық.
problem-clock-fixed = Сағат тек құмсалғышта жылжытылады.
problem-documents-too_large = Файл 5 МиБ-тан үлкен.
problem-documents-type = Файл PDF, JPEG немесе PNG емес (мазмұны бойынша тексеріледі).
problem-documents-too_many = 10 файлдан артық тіркеуге болмайды.
problem-outside_working_hours-office = Көрсетілетін қызметті берушінің кеңсесі өтініштерді тек жұмыс уақытында қабылдайды ({ $hours }); келесі ашылуы — { $next }. Өтінішті жұмыс уақыты аяқталғаннан кейін қабылдаған болсаңыз, «Жұмыс уақыты аяқталғаннан кейін енгізілді» деп белгілеңіз: ол ашылған сәтте қабылданған болып есептеледі.
problem-outside_working_hours-state_corporation = Мемлекеттік корпорацияның орталығы өтініштерді тек жұмыс уақытында қабылдайды ({ $hours }); келесі ашылуы — { $next }. Өтінішті жұмыс уақыты аяқталғаннан кейін қабылдаған болсаңыз, «Жұмыс уақыты аяқталғаннан кейін енгізілді» деп белгілеңіз: ол ашылған сәтте қабылданған болып есептеледі.
weekdays-short = Дс Сс Ср Бс Жм Сб Жс
problem-equeue-slot_taken = Бұл уақытты жаңа ғана басқа біреу алды: басқасын таңдаңыз.
problem-equeue-already_booked = Бұл өтінішке уақыт брондалған: басқа уақыт таңдау үшін оны болдырмаңыз.
problem-equeue-not_awaiting_issue = Бұл өтініштің нәтижесі Мемлекеттік корпорацияда берілуін күтіп тұрған жоқ.
problem-equeue-not_applicant = Нәтижені алу уақытын тек өтініш беруші брондайды.
problem-equeue-slot_unknown = Тізімнен уақыт таңдаңыз.
problem-equeue-slot_past = Бұл уақыт өтіп кетті: басқасын таңдаңыз.

## done

done-submitted = Өтінішіңіз берілді. Орындалу барысы төменде.
done-acted = Қадам жазылды.
done-intake = Өтініш тіркелді.
done-registered = Есептік жазба ашылды, сіз жүйеге кірдіңіз.
done-returned = Таңдалған нәтижелер көрсетілетін қызметті берушілерге қайтарылды.
done-clock = Сағат жылжытылды.
done-token_revoked = Токен кері қайтарылды.
done-logged_in = Сіз жүйеге кірдіңіз.
done-booked = Мемлекеттік корпорацияға уақыт брондалды.
done-booking_cancelled = Бронь болдырылмады.

## notify

notify-submitted = { $id } өтініші қабылданды.
notify-step_completed = { $id } өтініші: кезекті қадам орындалды.
notify-issued = { $id } өтініші: нәтиже дайын.
notify-refusal_issued = { $id } өтініші: дәлелді бас тарту берілді.
notify-acceptance_refused = { $id } өтініші: құжаттарды қабылдаудан бас тартылды.
notify-refusal_notice = { $id } өтініші бойынша бас тартылды (бас тарту туралы хабарлама).
notify-returned = { $id } өтініші: алынбаған нәтиже көрсетілетін қызметті берушіге қайтарылды.
notify-rerequested = { $id } өтініші: нәтиже қайта сұратылды.
notify-signed = { $id } өтініші: нәтижеге қол қойылды.
notify-assigned = Өтініш { $id }: орындаушы тағайындалды.

## role

role-unknown = қызметкер
role-office_clerk = кеңсе қызметкері
role-head = көрсетілетін қызметті берушінің басшысы
role-executor = орындаушы
role-akim = әкім
role-specialist = маман
role-state_corporation_operator = Мемлекеттік корпорация қызметкері
role-collection_sector = Мемлекеттік корпорацияның жинақтау секторы
role-courier = Мемлекеттік корпорацияның курьері
role-portal = электрондық үкімет порталы
role-applicant = көрсетілетін қызметті алушы
role-gateway = электрондық үкімет шлюзі
role-regional_gateway = электрондық үкіметтің өңірлік шлюзі
role-individuals_db = «Жеке тұлғалар» мемлекеттік деректер базасы
role-monitoring_system = мониторинг жүйесі
role-intermediary_clerk = қабылдау пунктінің қызметкері
role-provider_employee = көрсетілетін қызметті берушінің қызметкері
role-sc_information_system = Мемлекеттік корпорацияның ақпараттық жүйесі

## sign

sign-title = Өтінішке қол қою
sign-intro = ЭЦҚ-ңыз (электрондық цифрлық қолтаңбаңыз) дәл осы байттарға (өтініштің канондық мәтініне) қойылуы тиіс:
sign-download = Қол қою құралы үшін request.json файлы ретінде жүктеп алу
sign-file = Қолтаңба файлы
sign-file_hint = NCALayer немесе басқа құрал жасаған CMS (PKCS#7) қолтаңбасы: .p7s немесе .cms, DER, PEM немесе base64.
sign-paste = Немесе қолтаңбаны қойыңыз
sign-paste_hint = base64 немесе PEM
sign-submit = Қол қойылған өтінішті жіберу
sign-demo_title = Демо сервер: демо кілтпен қол қою
sign-demo_text = Бұл сервер демо режимде жұмыс істейді. Сервер өтінішіңізге «Қызмет» әзірлеу куәландырушы орталығы есептік жазбаңызға берген демо кілтпен қол қоя алады. Бұл нақты ЭЦҚ емес, оны тек демо серверлер қабылдайды.
sign-demo_button = Демо кілтпен қол қою (тек демо)
sign-required = Өтінішке ЭЦҚ-ңызбен қол қойыңыз: қолтаңбаны тіркеңіз.
sign-request_details = Қолтаңба қойылатын өтініш мәтіні (мамандар үшін)
sign-ncalayer_title = NCALayer арқылы қол қою
sign-ncalayer_hint = Бұл компьютерде NCALayer іске қосылған болуы тиіс. Кілт компьютеріңізден шықпайды: NCALayer оны таңдап, құпиясөзді енгізуді сұрайды.
sign-ncalayer_button = ЭЦҚ-мен қол қою (NCALayer)
sign-ncalayer_working = NCALayer күтілуде: NCALayer терезесінде кілтті таңдап, құпиясөзді енгізіңіз…
sign-ncalayer_sending = Қол қойылды. Жіберілуде…
sign-ncalayer_unavailable = Бұл компьютерде NCALayer іске қосылмаған немесе қолжетімсіз. NCALayer-ді іске қосып, қайталаңыз, немесе басқа құралмен қол қойып, қолтаңба файлын тіркеңіз.
sign-ncalayer_cancelled = NCALayer-де қол қою тоқтатылды: ештеңе жіберілген жоқ.
sign-ncalayer_failed = NCALayer құжатқа қол қоймады:
sign-other_tool = Басқа құралмен қол қою (қолтаңба файлы)
sign-result_title = Нәтижеге қол қою
sign-result_intro = Нәтиже қазақ және орыс тілдерінде беріледі: әр данасына өз ЭЦҚ-ңызбен қол қоясыз. Алдымен жоғарыда шешімді таңдаңыз.
sign-result_button = ЭЦҚ-мен қол қойып (NCALayer), қадамды аяқтау
sign-result_other_hint = Екі дананы да жүктеп алып, әрқайсысына жеке (ажыратылған) CMS қолтаңбасын қойып, екі қолтаңбаны да тіркеңіз. Даналар осы бет ашылған сәтпен күнделген: оларға бір сағат ішінде қол қойыңыз.
sign-result_download_kk = Қол қою үшін қазақ тіліндегі дананы жүктеп алу
sign-result_download_ru = Қол қою үшін орыс тіліндегі дананы жүктеп алу
sign-result_file_kk = Қазақ тіліндегі дананың қолтаңбасы (.p7s)
sign-result_file_ru = Орыс тіліндегі дананың қолтаңбасы (.p7s)
sign-result_demo_title = Демо сервер: ұйымның демо кілтімен қол қою
sign-result_demo_text = Сервер нәтижеге ұйым басшысы үшін өзі сақтайтын демо кілтпен қол қояды. Бұл нақты ЭЦҚ емес, оны тек демо серверлер қабылдайды.
sign-result_demo_button = Демо кілтпен қол қойып, аяқтау (тек демо)
sign-result_required = Нәтижеге өз ЭЦҚ-ңызбен қол қойыңыз: NCALayer арқылы немесе екі дананың қолтаңбасын тіркеңіз.
sign-result_refused = Нәтижедегі қолтаңба қабылданбады
sign-result_stale = Қол қоюға арналған даналар бір сағаттан бұрын немесе осы қадам басталғанға дейін дайындалған: бетті қайта ашып, қайта қол қойыңыз.

## upload

upload-label = Құжаттар (скан немесе фото)
upload-hint = PDF, JPEG немесе PNG, әрқайсысы 5 МиБ-қа дейін, { $count } файлдан аспайды. Бірнеше файлды бірден таңдауға болады.
upload-title = Тіркелген құжаттар
upload-none = Құжаттар тіркелмеген.
upload-download = Жүктеп алу
upload-size = { $kb } КБ
upload-signed_hint = Қолтаңба осы файлдарды қамтиды (олардың SHA-256 қол қойылатын байттарда).

## equeue

equeue-title = Мемлекеттік корпорацияға жазылу
equeue-section = Нәтижені алу
equeue-intro = Нәтиже сізді Мемлекеттік корпорацияда күтіп тұр. Кезексіз алу үшін 15 минуттық уақытты брондаңыз.
equeue-book_link = Нәтижені алуға жазылу
equeue-booked = Сіздің уақытыңыз:
equeue-cancel = Броньды болдырмау
equeue-centre = ХҚКО
equeue-choose_centre = Көрсету
equeue-slot = Уақыт
equeue-submit = Осы уақытты брондау
equeue-no_slots = Жақын жұмыс күндерінде бос уақыт жоқ.
equeue-desk_title = Электрондық кезек жазбалары
equeue-desk_link = Күннің электрондық кезек жазбалары
equeue-date = Күн
equeue-show = Көрсету
equeue-none = Бұл күнге жазба жоқ.
equeue-time = Уақыт
equeue-application = Өтініш
equeue-applicant = Өтініш беруші

## Lists: search, filters, pages
list-any = кез келген
list-search = Іздеу
list-search_hint = ЖСН, өтініш нөмірі, қолхат нөмірі немесе өтініш берушінің аты-жөнінің басы
list-filter_sla = Мерзім
list-status_open = жұмыста
list-status_closed = жабылған
list-from = Берілген күні, бастап
list-to = Берілген күні, дейін
list-date_hint = Мысалы, 03.12.2019
list-sort = Реті
sort-step_due = алдымен қадамның жақын мерзімі
sort-term_due = алдымен қызметтің жақын мерзімі
sort-newest = алдымен жаңалары
sort-oldest = алдымен ескілері
list-apply = Көрсету
list-pages = Беттер
list-next = Келесі бет
list-first = Бірінші бет

## List filters: problems
problem-date = Күнді енгізіңіз, мысалы 03.12.2019.
problem-enum = Ұсынылған мәндердің бірін таңдаңыз.
problem-range = Сан рұқсат етілген шектен тыс.
problem-cursor-invalid = Бет сілтемесі ескірген: бірінші беттен бастаңыз.

## Security checks (issue 9): signature refusals, names
sign-too_many_refusals = Соңғы бір сағатта осы есептік жазбадан қабылданбаған қолтаңбалар тым көп: кейінірек қайталаңыз.
field-too_long = { $field } өрісі тым ұзын: ең көбі { $max } таңба, мұнда { $found }.
field-forbidden_character = { $field } өрісінде атауға рұқсат етілмеген таңба бар ({ $char }): басқару таңбалары мен мәтін бағыты таңбалары қабылданбайды.
## Құпиясөздер, кіру әрекеттерін шектеу, бейтарап тіркеу (issue 9)
form-password_blank = Құпиясөз тек бос орындардан тұрмауы керек
form-password_too_long = Құпиясөз ең көбі { $count } таңбадан тұруы керек
form-password_unchanged = Жаңа құпиясөз қазіргісінен өзгеше болуы керек
login-busy = Бір мезгілде кіру тым көп: бірнеше секундтан кейін қайталаңыз
register-sent = Бұл ЖСН-нің есептік жазбасы болмаса, ол сіз таңдаған құпиясөзбен жасалды. ЖСН мен құпиясөз арқылы кіріңіз; егер бұл ЖСН-мен есептік жазба бұрыннан болса, соның құпиясөзін пайдаланыңыз.
password-title = Құпиясөзді ауыстыру
password-current = Қазіргі құпиясөз
password-new = Жаңа құпиясөз
password-new_hint = Кемінде 8 таңба, тек бос орын емес, ең көбі 256
password-submit = Құпиясөзді ауыстыру
password-must_change = Сіз бір реттік құпиясөзбен кірдіңіз: жалғастыру үшін өз құпиясөзіңізді қойыңыз.
password-wrong = Қазіргі құпиясөз қате
password-link = Құпиясөзді ауыстыру
done-password_changed = Құпиясөз ауыстырылды. Басқа сеанстарыңыз жабылды.
done-registration = Тіркеуге өтініш қабылданды: төменде кіріңіз.
tokens-scope-tokens = токендеріңізді қарау және кері қайтарып алу
tokens-scope-metrics = сервердің жұмыс көрсеткіштерін оқу
nav-password = Құпиясөз
problem-token-session_only = Мұнда кіру токені емес, жүйеге кіру қажет.
problem-forbidden-metrics = Метрикалар әкімшілер мен бақылаушыларға ғана қолжетімді.

## Өтініш мәліметтері (қызмет нысаны)
appform-about-applicant = Өтініш беруші туралы мәліметтер
appform-about-application = Өтініш мәліметтері
appform-about-child = Бала туралы мәліметтер
appform-about-pupil = Білім алушы туралы мәліметтер
appform-about-student = Білім алушы туралы мәліметтер
appform-about-ward = Қорғаншылық белгіленетін бала туралы мәліметтер
appform-about-graduate = Түлек туралы мәліметтер
appform-optional = (міндетті емес)
appform-date_hint = Пішімі: кк.аа.жжжж, мысалы 03.12.2019
appform-date_placeholder = кк.аа.жжжж
appform-iin_hint = 12 цифр
appform-phone_hint = +7 және он цифр, мысалы +7 701 123 45 67
appform-only_when = Тек «{ $field }» мынадай болса: { $values }
appform-documents = Құжаттар
appform-from_state_systems = (мемлекеттік ақпараттық жүйелерден алынады; өтініш берушіден талап етілмейді)
appform-data = Өтініш мәліметтері
appform-rule-required = Бұл өрісті толтырыңыз
appform-rule-not_asked = Берілген жауаптар кезінде бұл өріс толтырылмайды
appform-rule-iin_format = ЖСН 12 цифрдан тұрады
appform-rule-iin_check_digit = Мұндай ЖСН жоқ: цифрларды тексеріңіз (бақылау разряды сәйкес келмейді)
appform-rule-iin_birth_date = ЖСН көрсетілген туған күннен басталмайды: екі өрісті де тексеріңіз
appform-rule-date_format = Күнді кк.аа.жжжж пішімінде енгізіңіз, мысалы 03.12.2019
appform-rule-date_in_future = Күн бүгінгі күннен кейін болмауы керек
appform-rule-too_young = Жасы { $count } жастан кем болмауы керек
appform-rule-too_old = Жасы { $count } жастан аспауы керек
appform-rule-year_format = Жылды төрт цифрмен енгізіңіз, ағымдағы жылдан кейін емес
appform-rule-year_ahead = Жылды төрт цифрмен енгізіңіз, ағымдағы жылдан { $count } жылдан кешіктірмей
appform-rule-name_format = Тек әріптер, бос орындар, дефистер және апострофтар рұқсат етіледі
appform-rule-phone_format = Телефонды +7 және он цифр түрінде енгізіңіз
appform-rule-unknown_option = Нұсқалардың бірін таңдаңыз
appform-rule-too_many_choices = Ең көбі { $count } нұсқа таңдауға болады
appform-rule-duplicate_choice = Бір нұсқа екі рет таңдалған
appform-rule-too_long = Ең көбі { $count } таңба
# Лауазымды тұлғалардың жұмыс орны: аталған орындаушы, анық шешім, алдын ала қарау, іздеу.
problem-executor-required = Өтініш берілетін орындаушыны таңдаңыз.
problem-executor-unknown = Орындаушыны тізімнен таңдаңыз.
problem-executor-not_assigning = Бұл қадамда өтініш орындаушыға берілмейді.
problem-refusal_grounds-required = Регламент тізбесінен бас тартудың бір немесе бірнеше негізін таңдаңыз.
problem-refusal_grounds-unknown = Негіздерді ұсынылған тізбеден таңдаңыз.
problem-refusal_grounds-not_refusing = Бас тарту негіздері тек бас тартқанда таңдалады.
problem-outcome-required = Шешімді таңдаңыз: нәтиже немесе бас тарту.
problem-forbidden-assignee = Басшы бұл өтінішті басқа орындаушыға берді.
problem-lookup-invalid = ЖСН (12 сан) немесе қолхат нөмірін (12 сан) енгізіңіз.
ground-standard_para = мемлекеттік көрсетілетін қызмет стандартының { $para }-тармағында көзделген негіздер
ground-standard = мемлекеттік көрсетілетін қызмет стандартында көзделген негіздер
act-executor = Орындаушы
act-executor_choose = — орындаушыны таңдаңыз —
act-outcome_result = Нәтижені дайындау (қызмет көрсетіледі)
act-refusal_grounds = Бас тарту негіздері (регламент тізбесі)
act-refusal_grounds_hint = Бас тартқанда міндетті: бір немесе бірнешеуін белгілеңіз.
act-comment = Түсініктеме
act-comment_hint = Міндетті емес: бұл жағдайда бас тарту неге негізделеді.
act-assigned = Орындаушы: { $name }
act-readonly = Басшы бұл өтінішті { $name } орындаушыға берді: сіз оны көре аласыз, әрекетті тек сол жасайды.
act-preview = Қол қоймас бұрын нәтижені қарау (жоба, берілмейді)
app-assignee = Орындаушы
app-listed_grounds = Бас тарту негіздері
list-late_only = Тек мерзімі өткендер
list-mine = Маған берілгендер
list-print = Басып шығаруға арналған нұсқа
list-print_hint = Бұл тізімнің басып шығаруға арналған нұсқасы: оны браузер арқылы басып шығарыңыз (Ctrl+P).
list-back = Тізімге оралу
sc-lookup_title = Өтінішті табу
sc-lookup_label = ЖСН немесе қолхат нөмірі
sc-lookup_hint = 12 сан: өтініш берушінің ЖСН-і немесе құжаттарды қабылдау туралы қолхаттың нөмірі
sc-lookup_submit = Табу
sc-lookup_none = Өтініш табылмады.
sc-lookup_found = Табылған өтініштер: { $count }
sc-next-issue = Нәтиже дайын: жеке басын куәландыратын құжатты тексеріп, беріңіз
sc-next-rerequest = Нәтиже көрсетілетін қызметті берушіге қайтарылды: оны қайта сұратыңыз
sc-next-open = Өтініш қаралуда
sc-next-closed = Өтініш жабылды: құжаттар оның бетінде
sc-next-act = Сіздің қадамыңыз: өтінішті ашыңыз

## journal (the application page's table of journal entries)

journal-when = Уақыты
journal-event = Оқиға
journal-who = Кім
journal-what = Не
journal-intro = Өтініш журналының әр жазбасы: ол өзгертілмейді, тек толықтырылады.
journal-submitted = Өтініш берілді
journal-step_completed = Қадам орындалды
journal-closed = Өтініш жабылды
journal-returned_to_provider = Нәтиже көрсетілетін қызметті берушіге қайтарылды
journal-re_requested = Нәтиже қайта сұралды
journal-request_refused = Порталдағы сұраным қабылданбады
journal-result_signed = Нәтижеге ЭЦҚ қойылды
journal-assigned = Орындаушы тағайындалды
journal-applicant = Өтініш беруші
journal-system = Ақпараттық жүйе
journal-receipt = қолхат №
journal-applicant_signed = өтініш берушінің ЭЦҚ-сымен
journal-both_copies = қазақ және орыс тілдеріндегі нұсқалары
journal-kk_copy = қазақ тіліндегі нұсқасы
journal-due = мерзімі
journal-step = { $n }-қадам
journal-presented-identity_document = жеке басын куәландыратын құжат көрсетілді
journal-presented-notarised_power_of_attorney = нотариат куәландырған сенімхат көрсетілді

## document kinds (templates/<kind>.<lang>.toml titles) and document languages

dockind-acceptance_receipt = Құжаттарды қабылдау туралы қолхат
dockind-certificate = Анықтама
dockind-contract = Шарт
dockind-decision = Шешім
dockind-duplicate = Телнұсқа
dockind-letter = Хат
dockind-motivated_refusal = Дәлелді бас тарту
dockind-notice = Хабарлама
dockind-notification = Хабарлама
dockind-permission = Рұқсат
dockind-queue_notification = Кезекке қою туралы хабарлама
dockind-referral = Жолдама
dockind-refusal_to_accept_receipt = Құжаттарды қабылдаудан бас тарту туралы қолхат
dockind-resolution = Қаулы
dockind-result_received_receipt = Мемлекеттік қызмет көрсету нәтижесін алғаны туралы қолхат
doclang-kk = қазақ тілінде
doclang-ru = орыс тілінде
doclang-en = ағылшын тілінде

## the monitoring CSV in kk/ru (headers, groups)

csv-col-group = Топ
csv-col-name = Атауы
csv-col-channel = Арна
csv-col-step = Қадам
csv-col-role = Рөл
csv-col-legal_duration = Нормативтік мерзім
csv-col-measured = Есепке алынғаны
csv-col-on_time = Мерзімінде
csv-col-compliance = Сақталу үлесі
csv-col-completed = Орындалғаны
csv-col-avg_minutes = Орташа уақыты, мин
csv-col-p90_minutes = 90-процентиль, мин
csv-col-legal_minutes = Нормативтік мерзім, мин
csv-col-late = Кешіккені
csv-col-working_days_late = Кешігу, жұмыс күні
csv-group-service = Қызмет
csv-group-provider = Көрсетілетін қызметті беруші
csv-group-role = Рөл
csv-group-step = Қадам
csv-group-results_late = Мерзімі бұзылып берілген нәтижелер
csv-group-overdue = Мерзімі өткен өтініш
csv-group-at_risk = Мерзімі таяу өтініш
csv-group-late = Нәтижесі кешігіп берілген өтініш
csv-all = барлығы
## Citizen statuses, comments to the applicant, notifications, duplicate applications
cstatus-submitted = Жіберілді
cstatus-accepted = Қабылданды
cstatus-in_progress = Өңделуде
cstatus-result_ready = Нәтиже беруге дайын
cstatus-issued = Нәтиже берілді
cstatus-refused = Бас тартылды
cstatus-returned = Көрсетілетін қызметті берушіге қайтарылды
cstatus-returned_hint = нәтиже талап етілмеді; оны Мемлекеттік корпорация арқылы қайта сұратуға болады
cstatus-refused_by = бас тартқан: { $org }
refusal_kind-refusal_letter = дәлелді бас тарту хаты
refusal_kind-refusal_to_accept = құжаттарды қабылдаудан бас тарту туралы қолхат
refusal_kind-notice = бас тарту туралы хабарлама
statuses-title = Мәртебелер тарихы
statuses-since = Қашаннан
statuses-due = Заңды мерзімі
app-comments = Өтініш берушіге түсініктемелер
app-comment_public = өтініш берушіге
act-public_comment = Өтініш берушіге түсініктеме
act-public_comment_hint = Міндетті емес. Өтініш беруші оны өтініш бетінде және хабарламада көреді.
act-note_internal = Тек қызметкерлер көреді; өтініш берушіге көрсетілмейді.
notifications-title = Хабарламалар
notifications-empty = Хабарламалар жоқ.
notifications-comment = Түсініктеме: { $text }
notify-comment = Түсініктеме: { $text }
duplicate-title = Бұл қызметке ашық өтініш бар
duplicate-text = Сол адамға берілген { $id } өтініші әлі аяқталған жоқ. Қайталама өтініш беретініңізді растаңыз.
duplicate-confirm = Иә, қайталама өтініш беремін
duplicate-required = Қайталама өтінішті растаңыз немесе ашық өтінішті қараңыз.

## The preschool queue
done-queue = Жазылды.
done-places_declared = Орындар жарияланды; жолдамалар кезек бойынша берілді.
problem-queue-district = Бұл көрсетілетін қызметті беруші мектепке дейінгі ұйымдарға кезек жүргізбейді.
problem-queue-iin = Бала осы ауданның кезегінде тұр.
problem-queue-child = Бала кезекте күтіп тұрған жоқ.
problem-queue-referral = Жолдама енді жарамсыз немесе оның мерзімі өтті.
problem-queue-count = Орын санын 1-ден 10000-ға дейін көрсетіңіз.
problem-queue-at = 1–31 тамызда жаңа орындар жарияланбайды.
problem-queue-organisation = Ауданыңыздың мектепке дейінгі ұйымын таңдаңыз.
problem-queue-language = Бұл ұйымда осы тілде топ жоқ.
problem-queue-group = Жас тобын таңдаңыз.
problem-queue-category = Тізімнен санатты таңдаңыз.
problem-queue-proof_date = Санатты растайтын құжат жарамсыз.
problem-queue-preferred = Өз ауданыңыздың ұйымдарын таңдаңыз.
problem-queue-queue = Мектепке дейінгі ұйымдарға кезек бапталмаған.
problem-forbidden-queue_district = Сіздің ұйымыңыз мектепке дейінгі ұйымдарға кезек жүргізбейді.
nav-queue = Балабақшаға кезек
queue-section = Мектепке дейінгі ұйымға кезек
queue-number = Кезектегі нөмірі:
queue-status = Жай-күйі
queue-until = дейін
queue-district = Аудан
queue-public_link = ауданның ашық кезегі
queue-group = Жас тобы
queue-category = Орын алу құқығы
queue-registration = Тіркеу нөмірі
queue-registration_col = Тіркеу №
queue-referral = Жолдама
queue-language-kk = қазақ тілі
queue-language-ru = орыс тілі
queue-language_col = Топтың тілі
queue-referral_state-issued = Берілді, өтініш берушінің келісімін күтуде
queue-referral_state-accepted = Қабылданды, қабылдауды күтуде
queue-referral_state-enrolled = Бала қабылданды
queue-referral_state-declined = Жолдамадан бас тартылды
queue-referral_state-lapsed = Мерзімі өтті, орын келесіге берілді
queue-accept_by = Келісімнің соңғы күні:
queue-enrol_by = Қабылдаудың соңғы күні:
queue-accept = Жолдаманы қабылдау
queue-extend = Қабылдау мерзімін ұзарту
queue-decline = Бас тарту
queue-enrol = Бала қабылданды
queue-history = Нөмір қалай өзгерді
queue-when = Қашан
queue-number_col = Нөмір
queue-why = Неліктен
queue-why-own = Бала кезекке қойылды немесе санаты өзгерді
queue-why-joined = Алдына орын алу құқығы ертерек бала тұрды
queue-why-left = Алдындағы бала орын алды немесе кезектен шықты
queue-why-moved = Алдындағы баланың санаты өзгерді
queue-why-turn = Жолдама кезегі санаттар арасында ауысты
queue-why-year = Жаңа оқу жылы басталды
queue-status-waiting = Кезекте
queue-status-stop_listed = Стоп-парақта: жолдама берілмейді
queue-status-referred = Жолдама берілді
queue-status-enrolled = Қабылданды
queue-status-withdrawn = Кезектен алынды
queue-status-aged_out = Жасына байланысты шықты (мектеп)
queue-public_title = Мектепке дейінгі ұйымдарға кезек
queue-public_intro = Әр ауданның кезегі ашық: реті, санаттары және берілген жолдамалар аты-жөнінсіз және ЖСН-сіз бәріне көрінеді.
queue-district_intro = Кезектегі нөмір — баланың қазіргі орны. Аты-жөнінің орнына хабарламадағы тіркеу нөмірі көрсетіледі. Жолдамалар алдымен кезектен тыс құқығы барларға, содан кейін бірінші кезектегілерге және басқаларға белгіленген үлес бойынша беріледі.
queue-all_districts = Барлық аудандар
queue-empty = Бұл ауданның кезегінде ешкім жоқ.
queue-tier = Санат
queue-tier-extraordinary = Кезектен тыс құқық
queue-tier-priority = Бірінші кезектегі құқық
queue-tier-general = Жалпы негізде
queue-stop_list = стоп-парақта, мерзімі
queue-applied = Өтініш күні
queue-referrals = Берілген жолдамалар
queue-no_referrals = Әзірге жолдама жоқ.
queue-issued = Берілді
queue-organisation = Мектепке дейінгі ұйым
queue-rule = Неге осы балаға
queue-rank = Берілген кездегі нөмірі
queue-rule-extraordinary = Кезектен тыс құқық: мұндай балалар бірінші
queue-rule-ratio = «{ $tier }» санатының кезегі
queue-rule-ratio_other = «{ $tier }» санатының кезегі, бірақ мұндай бала орынды ала алмады: «{ $given }» санатына берілді
queue-staff_title = Бос орындар мен жолдамалар
queue-staff_intro = Бос орындарды жариялаңыз: жолдамаларды бірден оларды ала алатын кезектегі алғашқы балалар алады.
queue-count = Орын саны
queue-declare = Орындарды жариялау
queue-open_places =
    { $count ->
        [one] { $count } орын баланы күтуде
       *[other] { $count } орын баланы күтуде
    }
queue-notice = Мектепке дейінгі ұйымға жолдама берілді: { $organisation }. Өтініш бетінде жауап беріңіз.
queue-at_counter = Өзі келген өтініш берушінің жауабы.
queue-journal = Кезек журналы
queue-what = Не
queue-who = Кім
queue-system = жүйе (мерзім бойынша)
queue-new_category = Жаңа санат
queue-proof_date = Санатты растайтын құжаттың күні
queue-proof_date_hint = кк.аа.жжжж; құжаттың мерзімі шектеулі санаттар үшін
queue-change_category = Санатты өзгерту
queue-event-entered = Кезекке қойылды
queue-event-category_changed = Санаты өзгерді
queue-event-proof_expired = құжаттың мерзімі өтті
queue-event-places_declared = Орындар жарияланды
queue-event-referral_issued = Жолдама берілді
queue-event-referral_accepted = Жолдама қабылданды
queue-event-enrolment_extended = Қабылдау мерзімі ұзартылды
queue-event-referral_declined = Жолдамадан бас тартылды
queue-event-referral_lapsed = Жолдаманың мерзімі өтті
queue-event-enrolled = Қабылданды
queue-event-stop_list_ended = Стоп-парақ аяқталды
queue-event-year_began = Жаңа оқу жылы басталды
queue-event-aged_out = Жасына байланысты шықты
queue-event-withdrawn = Кезектен алынды
queue-application = Өтініш
