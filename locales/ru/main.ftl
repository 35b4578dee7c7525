# Тексты интерфейса, русский язык.
# The ids are the same in kk/, ru/ and en/ main.ftl, and every id the server's code names
# exists in all three (tests in crates/server/src/i18n.rs check both). Counts are `$count`
# with CLDR plural categories: Russian one/few/many, Kazakh and English one/other.

## nav

nav-skip = Перейти к основному содержанию
nav-label = Основная навигация
nav-languages = Язык
nav-services = Услуги
nav-cabinet = Мои заявления
nav-work = Рабочее место
nav-sc = Окно Госкорпорации
nav-monitoring = Мониторинг
nav-admin = Администрирование
nav-tokens = Токены доступа
nav-login = Войти
nav-register = Регистрация
nav-logout = Выйти
nav-home = Главная страница

## footer

# The brand in the page's script: "qyzmet" is the Latin spelling of «қызмет».
brand = Қызмет

footer-text = «Қызмет» — регламенты государственных услуг Казахстана, исполняемые как данные. Песочница: исходные регламенты исторические и работают на дату, когда они действовали.

## home

home-title = Государственные услуги
home-intro = Подайте заявление на государственную услугу, следите за каждым шагом его исполнения и получите результат.
home-portal = Найти услугу и подать заявление
home-clock = Время сервера (Алматы)

## common

common-yes = да
common-no = нет

## form

form-error_summary = Есть ошибки
form-required = Заполните это поле
form-password_length =
    Пароль должен содержать не менее { $count ->
        [one] { $count } символа
        [few] { $count } символов
       *[many] { $count } символов
    }
form-phone_format = Введите номер телефона, например +7 701 000 00 00
form-iin_taken = Учетная запись с этим ИИН уже есть: войдите в нее

## login

login-title = Вход
login-login = ИИН или логин
login-login_hint = Граждане: ваш 12-значный ИИН. Сотрудники: выданный вам логин.
login-password = Пароль
login-submit = Войти
login-no_account = Еще нет учетной записи?
login-bad_credentials = Неверный ИИН (или логин) либо пароль
login-locked = Слишком много неудачных попыток: учетная запись заблокирована до { $until }

## register

register-title = Регистрация
register-iin = ИИН
register-iin_hint = 12 цифр, например 900101300007
register-name = Фамилия, имя, отчество
register-phone = Мобильный телефон (необязательно)
register-phone_hint = Для SMS о ходе исполнения
register-password = Пароль
register-submit = Создать учетную запись

## services

services-title = Услуги
services-search = Поиск услуг
services-search_hint = Слова из названия на любом языке
services-search_button = Найти
services-found = Найдено услуг: { $count }
services-channels = подача через
services-in_force = действует
services-not_in_force = не действует на дату сервера

## service

service-id = Регламент
service-version = версия { $n }
service-diagram_file = Файл схемы
service-region = Регион
service-act = Утвержден
service-repealed_on = утратил силу
service-channels = Где подать и сроки
service-channel = Канал
service-accepts = Принимает заявления
service-issues = Выдает результат
service-term = Срок оказания услуги
service-providers = Кто оказывает услугу
service-steps = Шаги
service-diagrams = Схемы процесса
service-diagram_of = Процесс: { $flow }
passport-title = Паспорт государственной услуги
passport-results = Результат услуги
passport-result_form = Форма предоставления результата
passport-result_form-paper = бумажная
passport-result_form-electronic = электронная
passport-recipients = Кто получает услугу
passport-cost = Стоимость
passport-where = Где подать и сроки
passport-acceptance_day_not_counted = день приема документов не входит в срок
passport-issues_only = только выдает результат
passport-documents = Необходимые документы
passport-only_on = только: { $channels }
passport-conditional = в зависимости от категории
passport-grounds = Основания для отказа в оказании услуги
passport-grounds_hint = Закрытый перечень: исполнитель выбирает только из этих оснований.
passport-acceptance_grounds = Основания для отказа в приеме документов
passport-no_grounds = Текст регламента не называет оснований для отказа.
passport-appeal = Порядок обжалования
passport-appeal_term = жалоба рассматривается в течение { $term } со дня ее регистрации
passport-appeal_law = Основание: { $law }
passport-waiting = Максимальное время ожидания
passport-waiting-submission = Сдача документов ({ $channel }): не более { $max }
passport-waiting-result = Получение результата ({ $channel }): не более { $max }
passport-ref_para = пункт { $para } Стандарта
passport-ref_subpara = подпункт { $sub }) пункта { $para } Стандарта
passport-ref_app = приложение { $app } к Стандарту
passport-ref_regulation = текст регламента

## channel

channel-office = канцелярия услугодателя
channel-state_corporation = Госкорпорация
channel-portal = портал электронного правительства
channel-intermediary = пункт приема

## unit

unit-seconds =
    { $count ->
        [one] { $count } секунда
        [few] { $count } секунды
       *[many] { $count } секунд
    }
unit-minutes =
    { $count ->
        [one] { $count } минута
        [few] { $count } минуты
       *[many] { $count } минут
    }
unit-hours =
    { $count ->
        [one] { $count } час
        [few] { $count } часа
       *[many] { $count } часов
    }
unit-working_days =
    { $count ->
        [one] { $count } рабочий день
        [few] { $count } рабочих дня
       *[many] { $count } рабочих дней
    }
unit-calendar_days =
    { $count ->
        [one] { $count } календарный день
        [few] { $count } календарных дня
       *[many] { $count } календарных дней
    }
unit-days_unspecified =
    { $count ->
        [one] { $count } день
        [few] { $count } дня
       *[many] { $count } дней
    }
unit-months =
    { $count ->
        [one] { $count } месяц
        [few] { $count } месяца
       *[many] { $count } месяцев
    }

## apply

apply-title = Подать заявление на портале
apply-you_need = Вам понадобится:
apply-provider = Услугодатель
apply-phone_hint = Сюда придут SMS о ходе исполнения (не с 22:00 до 08:00)
apply-declaration = Подтверждение
apply-confirm = Подтверждаю, что сведения достоверны, а документы действительны
apply-confirm_required = Чтобы подать заявление, подтвердите сведения
apply-submit = Подать заявление
apply-no_providers = Эту услугу здесь пока не оказывает ни одна организация.
apply-not_in_force = На дату сервера регламент не действует: заявления не принимаются.
apply-no_portal = Эта услуга не оказывается через портал: обратитесь в канцелярию услугодателя или в Госкорпорацию.
apply-citizens_only = Здесь подают заявления граждане; сотрудники регистрируют бумажные заявления на своем рабочем месте.
apply-login_first = Войдите, чтобы подать заявление

## cabinet

cabinet-title = Мои заявления
cabinet-documents = Результаты и расписки
cabinet-apply_more = Подать заявление на другую услугу

## list

list-application = Заявление
list-service = Услуга
list-applicant = Заявитель
list-status = Статус
list-holder = Сейчас у
list-due = Срок
list-empty = Пока ничего нет.

## status

status-in_progress = в работе
status-awaiting_issue = готово, ожидает выдачи
status-returned_to_provider = не востребовано, возвращено услугодателю
status-closed = закрыто

## closure

closure-issued = результат выдан
closure-refusal_issued = отказано (выдан мотивированный отказ)
closure-acceptance_refused = в приеме документов отказано
closure-refusal_notice = отказано (уведомление об отказе)

## sla

sla-on_time = в срок
sla-at_risk = под угрозой
sla-overdue = просрочено

late-days =
    { $count ->
        [one] с опозданием на { $count } рабочий день
        [few] с опозданием на { $count } рабочих дня
       *[many] с опозданием на { $count } рабочих дней
    }
late-same_day = с опозданием в тот же день
late-within_day = с опозданием менее чем на рабочий день

## app

app-title = Заявление { $id }
app-service = Услуга
app-provider = Услугодатель
app-channel = Подано через
app-status = Статус
app-applicant = Заявитель
app-submitted = Подано
app-accepted_at = Принято (срок исчисляется с)
app-late_entry = внесено после окончания рабочего времени
app-term_due = Срок услуги истекает
app-version = Версия регламента
app-receipt = Номер расписки
app-refusal_grounds = Основания отказа
app-now_with = Сейчас у:
app-due = Срок до
app-documents = Документы
app-notes = Отметки должностных лиц
app-events = События журнала

## timeline

timeline-title = Ход исполнения
timeline-who = Кто
timeline-what = Что
timeline-duration = Нормативный срок
timeline-due = Срок по регламенту
timeline-state = Состояние
timeline-step = шаг
timeline-completed = выполнено
timeline-done = выполнено
timeline-current = сейчас
timeline-pending = предстоит
timeline-not_reached = не дошло
timeline-failure_only = только при отказе

## outcome

outcome-done = Выполнено: передать дальше
outcome-refuse_acceptance = Отказать в приеме документов
outcome-motivated_refusal = Подготовить мотивированный отказ
outcome-fail = Отказать (условие не выполнено)

## act

act-title = Ваш шаг
act-outcome = Решение
act-note = Отметка
act-grounds = Основания
act-grounds_hint = Обязательно при отказе: основания, как они указаны в регламенте
act-presented = Что предъявил получатель результата
act-presented_none = пока ничего
act-identity_document = документ, удостоверяющий личность заявителя
act-power_of_attorney = нотариальная доверенность представителя
act-submit = Записать шаг
act-note_for-head = Резолюция (для исполнителя)
act-note_for-executor = Результат проверки
act-note_for-akim = Резолюция
act-note_for-specialist = Результат проверки

## doc

doc-receipt = Расписка
doc-result = Результат
doc-signed = подписан ЭЦП
doc-verify = Проверить

## work

work-title = Рабочее место
work-inbox = Мои задачи
work-all = Все заявления моей организации

## intake

intake-office_title = Зарегистрировать бумажное заявление
intake-service = Услуга
intake-iin = ИИН заявителя
intake-name = ФИО заявителя
intake-decision = Документы
intake-accept = Полный пакет: принять и выдать расписку о приеме
intake-refuse = Неполный пакет или истек срок документов: отказать в приеме (расписка с основаниями)
intake-grounds = Основания отказа в приеме
intake-grounds_hint = Каких документов не хватает или у каких истек срок
intake-submit = Зарегистрировать
intake-late_entry = Внесено после окончания рабочего времени: считать принятым в начале следующего рабочего времени
intake-centre = Центр
intake-centre_default = Общий график Государственной корпорации

## sc

sc-title = Окно Госкорпорации
sc-intake_title = Принять заявление
sc-choose = — выберите услугу —
sc-choose_button = Выбрать
sc-intake_submit = Принять и выдать расписку
sc-unclaimed = Невостребованные результаты
sc-unclaimed_hint = Результаты, не полученные в течение срока хранения, возвращаются услугодателю.
sc-unclaimed_select = Вернуть услугодателю
sc-return_submit = Вернуть выбранные результаты
sc-rerequest = Запросить результат у услугодателя
sc-rerequest_hint = Результат возвращен услугодателю как невостребованный. Если заявитель пришел за ним, запросите его обратно.

## monitoring

monitoring-title = Мониторинг соблюдения сроков
monitoring-from = Подано с
monitoring-to = Подано до
monitoring-date_hint = Дата, например 03.12.2019
monitoring-apply = Показать
monitoring-at = На момент
monitoring-applications =
    { $count ->
        [one] { $count } заявление
        [few] { $count } заявления
       *[many] { $count } заявлений
    }
monitoring-compliance_chart = Шаги, выполненные в нормативный срок, по услугам
monitoring-time_chart = Время на шаг против нормативного срока (минуты, логарифмическая шкала)
monitoring-avg = среднее
monitoring-p90 = 90-й процентиль
monitoring-legal = нормативный срок
monitoring-minutes_short = мин
monitoring-overdue = Просрочено сейчас
monitoring-at_risk = Под угрозой сейчас
monitoring-by_service = По услугам
monitoring-by_provider = По услугодателям
monitoring-by_role = По ролям
monitoring-by_step = По шагам
monitoring-key = Группа
monitoring-measured = Шагов учтено
monitoring-on_time = В срок
monitoring-compliance = Соблюдение
monitoring-step = Шаг
monitoring-late = Результаты, выданные с нарушением срока
monitoring-results_late =
    { $count ->
        [one] выдано с нарушением срока: { $count }
        [few] выдано с нарушением срока: { $count }
       *[many] выдано с нарушением срока: { $count }
    }
monitoring-late_total = Выдано с нарушением срока: { $count }; опоздание в сумме, рабочих дней: { $days }.
monitoring-late_count = С опозданием
monitoring-late_steps = Выполнено с опозданием

## admin

admin-title = Администрирование
admin-clock = Часы сервера
admin-offset =
    смещение на сейчас: { $count ->
        [one] { $count } минута
        [few] { $count } минуты
       *[many] { $count } минут
    }
admin-advance = Перевести часы вперед на (минут)
admin-advance_hint = 1440 — одни сутки; отрицательное число переводит назад
admin-advance_submit = Перевести часы
admin-clock_fixed = Здесь часы идут по реальному времени: сервер запущен не в демо-режиме и не на заданную дату.
admin-accounts = Учетные записи
admin-kind = Вид
admin-org = Организация
admin-roles = Роли
account_kind-admin = администратор
account_kind-monitor = наблюдатель
account_kind-staff = сотрудник
account_kind-citizen = гражданин
admin-login = Логин

## tokens

tokens-title = Токены программного доступа
tokens-created = Ваш новый токен (скопируйте его сейчас, больше он не будет показан):
tokens-name = Название
tokens-name_hint = Кто им пользуется, например система интегратора
tokens-scopes = Права
tokens-created_at = Создан
tokens-revoke = Отозвать
tokens-revoked = отозван
tokens-new = Новый токен
tokens-create = Создать токен
tokens-scope-read = чтение заявлений и документов
tokens-scope-submit = подача заявлений
tokens-scope-act = выполнение шагов
tokens-scope-monitor = чтение мониторинга
tokens-scope-admin = администрирование песочницы

## verify

verify-title = Проверка документа
verify-found = Этот документ выдан системой «Қызмет».
verify-not_found = Документ с таким кодом проверки не выдавался.
verify-code = Код проверки
verify-application = Заявление
verify-kind = Документ
verify-issued = Выдан
verify-valid = Документ подлинный: его содержимое в точности совпадает с подписанным документом, ЭЦП (электронная цифровая подпись) услугодателя действительна.
verify-invalid = Документ не прошёл проверку.
verify-unsigned = Документ не подписан ЭЦП (расписка или русский экземпляр результата, подписанного до того, как стали подписывать оба экземпляра).
verify-content_mismatch = Содержимое документа отличается от подписанного.
verify-no_file = Выберите PDF-файл для проверки.
verify-unknown_document = Этот файл не является документом, выданным здесь, или был изменён после выдачи.
verify-upload_title = Проверить PDF
verify-upload_file = PDF-документ
verify-upload_submit = Проверить
verify-signed_by = Подписал
verify-signer = Сертификат подписавшего
verify-issuer = Выдан
verify-serial = Серийный номер сертификата
verify-signing_time = Время подписания
verify-sha256_journal = Хэш SHA-256, записанный в журнал вместе с подписью
verify-content_matches = Содержимое совпадает с подписанным документом
verify-signature_valid = Подпись действительна
verify-technical_hint = Для проверки документа другим средством: хэш SHA-256 файла и номер сертификата подписавшего.
verify-technical = Технические данные
verify-trusted_ca = удостоверяющий центр, которому доверяет сервер
verify-bin = БИН
verify-sha256 = Хэш SHA-256 документа

## org

org-portal = портал электронного правительства

## problem

problem-title = Запрос не выполнен
# What an HTTP status means, for an error whose rule has no message of its own.
http_status-400 = Некорректный запрос: вернитесь на страницу и попробуйте снова.
http_status-403 = У вас нет прав на это действие или на просмотр этой страницы.
http_status-404 = Не найдено, или у вас нет прав на просмотр.
http_status-409 = Заявление только что изменилось: обновите страницу и повторите.
http_status-413 = Отправленные данные слишком велики.
http_status-415 = Данные в таком формате не принимаются.
http_status-422 = Проверьте введённые данные.
http_status-429 = Слишком частые попытки: подождите и повторите.
http_status-500 = Ошибка на сервере: ничего не изменено, повторите позже.
http_status-503 = Сервер временно недоступен: ничего не изменено, повторите позже.
problem-not_found = Не найдено, или у вас нет доступа.
problem-csrf = Форма устарела: вернитесь, обновите страницу и повторите.
problem-wrong_step = Этот шаг уже выполнил кто-то другой: обновите страницу.
problem-wrong_role = Этот шаг относится к другой роли.
problem-wrong_organisation = Этот шаг относится к другой организации.
problem-no_such_branch = Регламент не предусматривает такого решения на этом шаге.
problem-identity_required = Для выдачи результата нужен документ, удостоверяющий личность заявителя, или нотариальная доверенность представителя.
problem-application_closed = Заявление закрыто.
problem-invalid = Проверьте это поле.
problem-required = Заполните это поле.
problem-storage_period_not_over = Срок хранения этого результата еще не истек.
problem-regulation_repealed = Регламент утратил силу: заявления не принимаются.
problem-regulation_not_yet_in_force = Регламент еще не вступил в силу.
problem-provider-type = Эта организация не оказывает выбранную услугу.
problem-provider-unknown = Выберите услугодателя из списка.
problem-forbidden-role = У вас нет роли текущего шага.
problem-forbidden-organisation = Это относится к другой организации.
problem-forbidden-not_staff = Это делают только сотрудники.
problem-forbidden-not_citizen = На портале заявления подают только граждане.
problem-forbidden-admin = Это делают только администраторы.
problem-forbidden-monitoring = Мониторинг доступен наблюдателям, администраторам и сотрудникам.
problem-clock-fixed = Часы переводятся только в песочнице.
problem-documents-too_large = Файл больше 5 МиБ.
problem-documents-type = Файл не является PDF, JPEG или PNG (проверяется по содержимому).
problem-documents-too_many = Можно приложить не более 10 файлов.
problem-outside_working_hours-office = Канцелярия услугодателя принимает заявления только в рабочее время ({ $hours }); ближайшее открытие — { $next }. Если вы приняли заявление после окончания рабочего времени, отметьте «Внесено после окончания рабочего времени»: оно будет считаться принятым в момент открытия.
problem-outside_working_hours-state_corporation = Центр Государственной корпорации принимает заявления только в рабочее время ({ $hours }); ближайшее открытие — { $next }. Если вы приняли заявление после окончания рабочего времени, отметьте «Внесено после окончания рабочего времени»: оно будет считаться принятым в момент открытия.
weekdays-short = Пн Вт Ср Чт Пт Сб Вс
problem-equeue-slot_taken = Это время только что заняли: выберите другое.
problem-equeue-already_booked = У этой заявки уже есть бронь: отмените её, чтобы выбрать другое время.
problem-equeue-not_awaiting_issue = Результат этой заявки не ожидает выдачи в Госкорпорации.
problem-equeue-not_applicant = Время для получения результата бронирует только заявитель.
problem-equeue-slot_unknown = Выберите время из списка.
problem-equeue-slot_past = Это время уже прошло: выберите другое.

## done

done-submitted = Ваше заявление подано. Ход исполнения — ниже.
done-acted = Шаг записан.
done-intake = Заявление зарегистрировано.
done-registered = Учетная запись создана, вы вошли в систему.
done-returned = Выбранные результаты возвращены услугодателям.
done-clock = Часы переведены.
done-token_revoked = Токен отозван.
done-logged_in = Вы вошли в систему.
done-booked = Время в Госкорпорации забронировано.
done-booking_cancelled = Бронь отменена.

## notify

notify-submitted = Заявление { $id } принято.
notify-step_completed = Заявление { $id }: выполнен очередной шаг.
notify-issued = Заявление { $id }: результат готов.
notify-refusal_issued = Заявление { $id }: выдан мотивированный отказ.
notify-acceptance_refused = Заявление { $id }: в приеме документов отказано.
notify-refusal_notice = Заявление { $id }: отказано (уведомление об отказе).
notify-returned = Заявление { $id }: невостребованный результат возвращен услугодателю.
notify-rerequested = Заявление { $id }: результат запрошен повторно.
notify-signed = Заявление { $id }: результат подписан.
notify-assigned = Заявление { $id }: назначен исполнитель.

## role

role-unknown = сотрудник
role-office_clerk = сотрудник канцелярии
role-head = руководитель услугодателя
role-executor = исполнитель
role-akim = аким
role-specialist = специалист
role-state_corporation_operator = работник Госкорпорации
role-collection_sector = накопительный сектор Госкорпорации
role-courier = курьер Госкорпорации
role-portal = портал электронного правительства
role-applicant = услугополучатель
role-gateway = шлюз электронного правительства
role-regional_gateway = региональный шлюз электронного правительства
role-individuals_db = Государственная база данных «Физические лица»
role-monitoring_system = система мониторинга
role-intermediary_clerk = сотрудник пункта приема
role-provider_employee = сотрудник услугодателя
role-sc_information_system = информационная система Госкорпорации

## sign

sign-title = Подписание заявления
sign-intro = Ваша ЭЦП (электронная цифровая подпись) должна покрывать именно эти байты (канонический текст заявления):
sign-download = Скачать их как request.json для средства подписи
sign-file = Файл подписи
sign-file_hint = Подпись CMS (PKCS#7) из NCALayer или другого средства: .p7s или .cms, DER, PEM или base64.
sign-paste = Или вставьте подпись
sign-paste_hint = base64 или PEM
sign-submit = Отправить подписанное заявление
sign-demo_title = Демо-сервер: подписать демо-ключом
sign-demo_text = Этот сервер работает в демо-режиме. Сервер может подписать заявление демо-ключом, выданным вашей учётной записи удостоверяющим центром разработки «Қызмет». Это не настоящая ЭЦП, её принимают только демо-серверы.
sign-demo_button = Подписать демо-ключом (только демо)
sign-required = Подпишите заявление своей ЭЦП: приложите подпись.
sign-request_details = Текст заявления, который покрывает подпись (для специалистов)
sign-ncalayer_title = Подписать через NCALayer
sign-ncalayer_hint = NCALayer должен быть запущен на этом компьютере. Ключ не покидает ваш компьютер: NCALayer попросит выбрать его и ввести пароль.
sign-ncalayer_button = Подписать ЭЦП (NCALayer)
sign-ncalayer_working = Ожидание NCALayer: выберите ключ и введите пароль в окне NCALayer…
sign-ncalayer_sending = Подписано. Отправка…
sign-ncalayer_unavailable = NCALayer не запущен или недоступен на этом компьютере. Запустите NCALayer и попробуйте снова, или подпишите другим средством и приложите файл подписи.
sign-ncalayer_cancelled = Подписание отменено в NCALayer: ничего не отправлено.
sign-ncalayer_failed = NCALayer не подписал документ:
sign-other_tool = Подписать другим средством (файл подписи)
sign-result_title = Подпись результата
sign-result_intro = Результат выдаётся на казахском и русском языках: вы подписываете своей ЭЦП каждый экземпляр. Сначала выберите решение выше.
sign-result_button = Подписать ЭЦП (NCALayer) и завершить шаг
sign-result_other_hint = Скачайте оба экземпляра, подпишите каждый отдельной (отсоединённой) подписью CMS и приложите обе подписи. Экземпляры датированы моментом открытия этой страницы: подпишите их в течение часа.
sign-result_download_kk = Скачать казахский экземпляр для подписи
sign-result_download_ru = Скачать русский экземпляр для подписи
sign-result_file_kk = Подпись казахского экземпляра (.p7s)
sign-result_file_ru = Подпись русского экземпляра (.p7s)
sign-result_demo_title = Демо-сервер: подписать демо-ключом организации
sign-result_demo_text = Сервер подпишет результат демо-ключом, который он хранит для руководителя организации. Это не настоящая ЭЦП, её принимают только демо-серверы.
sign-result_demo_button = Подписать демо-ключом и завершить (только демо)
sign-result_required = Подпишите результат своей ЭЦП: через NCALayer или приложите подписи обоих экземпляров.
sign-result_refused = Подпись результата не принята
sign-result_stale = Экземпляры для подписи подготовлены более часа назад или до начала этого шага: откройте страницу заново и подпишите снова.

## upload

upload-label = Документы (сканы или фото)
upload-hint =
    PDF, JPEG или PNG, каждый до 5 МиБ, не более { $count ->
        [one] { $count } файла
        [few] { $count } файлов
       *[many] { $count } файлов
    }. Можно выбрать несколько файлов сразу.
upload-title = Приложенные документы
upload-none = Документы не приложены.
upload-download = Скачать
upload-size = { $kb } КБ
upload-signed_hint = Подпись охватывает эти файлы (их SHA-256 входят в подписываемые байты).

## equeue

equeue-title = Запись в Госкорпорацию
equeue-section = Получение результата
equeue-intro = Результат ждёт вас в Госкорпорации. Забронируйте 15-минутное время, чтобы получить его без очереди.
equeue-book_link = Записаться на получение результата
equeue-booked = Ваше время:
equeue-cancel = Отменить бронь
equeue-centre = ЦОН
equeue-choose_centre = Показать
equeue-slot = Время
equeue-submit = Забронировать это время
equeue-no_slots = В ближайшие рабочие дни свободного времени нет.
equeue-desk_title = Записи электронной очереди
equeue-desk_link = Записи электронной очереди на день
equeue-date = День
equeue-show = Показать
equeue-none = На этот день записей нет.
equeue-time = Время
equeue-application = Заявка
equeue-applicant = Заявитель

## Lists: search, filters, pages
list-any = любой
list-search = Поиск
list-search_hint = ИИН, номер заявления, номер расписки или начало имени заявителя
list-filter_sla = Срок
list-status_open = в работе
list-status_closed = закрытые
list-from = Поданы с
list-to = Поданы до
list-date_hint = Например, 03.12.2019
list-sort = Порядок
sort-step_due = сначала ближайший срок шага
sort-term_due = сначала ближайший срок услуги
sort-newest = сначала новые
sort-oldest = сначала старые
list-apply = Показать
list-pages = Страницы
list-next = Следующая страница
list-first = Первая страница

## List filters: problems
problem-date = Введите дату, например 03.12.2019.
problem-enum = Выберите одно из предложенных значений.
problem-range = Число вне допустимых пределов.
problem-cursor-invalid = Ссылка на страницу устарела: начните с первой страницы.

## Security checks (issue 9): signature refusals, names
sign-too_many_refusals = Слишком много отклонённых подписей с этой учётной записи за последний час: попробуйте позже.
field-too_long = Поле «{ $field }» слишком длинное: не более { $max ->
        [one] { $max } символа
       *[other] { $max } символов
    }, здесь { $found }.
field-forbidden_character = Поле { $field } содержит недопустимый в имени символ ({ $char }): управляющие символы и символы направления текста не принимаются.
## Пароли, ограничение попыток входа, нейтральная регистрация (issue 9)
form-password_blank = Пароль не может состоять только из пробелов
form-password_too_long =
    Пароль должен содержать не более { $count ->
        [one] { $count } символа
        [few] { $count } символов
       *[many] { $count } символов
    }
form-password_unchanged = Новый пароль должен отличаться от текущего
login-busy = Слишком много входов одновременно: повторите через несколько секунд
register-sent = Если у этого ИИН не было учетной записи, она создана с выбранным вами паролем. Войдите по ИИН и паролю; если учетная запись с этим ИИН уже была, используйте ее пароль.
password-title = Смена пароля
password-current = Текущий пароль
password-new = Новый пароль
password-new_hint = Не менее 8 символов, не только пробелы, не более 256
password-submit = Сменить пароль
password-must_change = Вы вошли с одноразовым паролем: задайте свой, чтобы продолжить.
password-wrong = Текущий пароль неверен
password-link = Сменить пароль
done-password_changed = Пароль изменен. Другие ваши сеансы закрыты.
done-registration = Заявка на регистрацию принята: войдите ниже.
tokens-scope-tokens = просмотр и отзыв ваших токенов
tokens-scope-metrics = чтение показателей работы сервера
nav-password = Пароль
problem-token-session_only = Здесь нужен вход в систему, а не токен доступа.
problem-forbidden-metrics = Метрики доступны администраторам и наблюдателям.

## Сведения заявления (форма услуги)
appform-about-applicant = Сведения о заявителе
appform-about-application = Сведения заявления
appform-about-child = Сведения о ребенке
appform-about-pupil = Сведения об обучающемся
appform-about-student = Сведения об обучающемся
appform-about-ward = Сведения о ребенке, над которым устанавливается опека
appform-about-graduate = Сведения о выпускнике
appform-optional = (необязательно)
appform-date_hint = Формат: дд.мм.гггг, например 03.12.2019
appform-date_placeholder = дд.мм.гггг
appform-iin_hint = 12 цифр
appform-phone_hint = +7 и десять цифр, например +7 701 123 45 67
appform-only_when = Только если «{ $field }»: { $values }
appform-documents = Документы
appform-from_state_systems = (получается из государственных информационных систем; у заявителя не требуется)
appform-data = Сведения заявления
appform-rule-required = Заполните это поле
appform-rule-not_asked = При данных ответах это поле не заполняется
appform-rule-iin_format = ИИН состоит из 12 цифр
appform-rule-iin_check_digit = Такого ИИН не существует: проверьте цифры (не сходится контрольный разряд)
appform-rule-iin_birth_date = ИИН не начинается с указанной даты рождения: проверьте оба поля
appform-rule-date_format = Введите дату в формате дд.мм.гггг, например 03.12.2019
appform-rule-date_in_future = Дата не может быть позже сегодняшней
appform-rule-too_young = { $count ->
    [one] Возраст должен быть не меньше { $count } года
   *[other] Возраст должен быть не меньше { $count } лет
}
appform-rule-too_old = { $count ->
    [one] Возраст должен быть не больше { $count } года
   *[other] Возраст должен быть не больше { $count } лет
}
appform-rule-year_format = Введите год четырьмя цифрами, не позже текущего
appform-rule-year_ahead = { $count ->
    [one] Введите год четырьмя цифрами, не позже чем через { $count } год от текущего
    [few] Введите год четырьмя цифрами, не позже чем через { $count } года от текущего
   *[other] Введите год четырьмя цифрами, не позже чем через { $count } лет от текущего
}
appform-rule-name_format = Допустимы только буквы, пробелы, дефисы и апострофы
appform-rule-phone_format = Введите телефон в виде +7 и десяти цифр
appform-rule-unknown_option = Выберите один из вариантов
appform-rule-too_many_choices = { $count ->
    [one] Можно выбрать не больше { $count } варианта
    [few] Можно выбрать не больше { $count } вариантов
   *[other] Можно выбрать не больше { $count } вариантов
}
appform-rule-duplicate_choice = Один и тот же вариант выбран дважды
appform-rule-too_long = { $count ->
    [one] Не больше { $count } символа
   *[other] Не больше { $count } символов
}
# Рабочее место должностных лиц: именные исполнители, явное решение, предпросмотр, поиск.
problem-executor-required = Выберите исполнителя, которому передается заявление.
problem-executor-unknown = Выберите исполнителя из списка.
problem-executor-not_assigning = На этом шаге заявление не передается исполнителю.
problem-refusal_grounds-required = Выберите одно или несколько оснований отказа из перечня регламента.
problem-refusal_grounds-unknown = Выберите основания из предложенного перечня.
problem-refusal_grounds-not_refusing = Основания отказа выбираются только при отказе.
problem-outcome-required = Выберите решение: результат или отказ.
problem-forbidden-assignee = Руководитель передал это заявление другому исполнителю.
problem-lookup-invalid = Введите ИИН (12 цифр) или номер расписки (12 цифр).
ground-standard_para = основания, предусмотренные пунктом { $para } стандарта государственной услуги
ground-standard = основания, предусмотренные стандартом государственной услуги
act-executor = Исполнитель
act-executor_choose = — выберите исполнителя —
act-outcome_result = Подготовить результат (услуга оказывается)
act-refusal_grounds = Основания отказа (перечень регламента)
act-refusal_grounds_hint = Обязательно при отказе: отметьте одно или несколько.
act-comment = Комментарий
act-comment_hint = Необязательно: на чем основан отказ в этом случае.
act-assigned = Исполнитель: { $name }
act-readonly = Руководитель передал это заявление исполнителю { $name }: вы можете его просматривать, действует только он.
act-preview = Просмотреть результат перед подписью (проект, не выдается)
app-assignee = Исполнитель
app-listed_grounds = Основания отказа
list-late_only = Только просроченные
list-mine = Назначенные мне
list-print = Версия для печати
list-print_hint = Это версия списка для печати: распечатайте ее средствами браузера (Ctrl+P).
list-back = Вернуться к списку
sc-lookup_title = Найти заявление
sc-lookup_label = ИИН или номер расписки
sc-lookup_hint = 12 цифр: ИИН заявителя или номер расписки о приеме документов
sc-lookup_submit = Найти
sc-lookup_none = Заявлений не найдено.
sc-lookup_found = Найдено заявлений: { $count }
sc-next-issue = Результат готов: проверьте удостоверение личности и выдайте его
sc-next-rerequest = Результат возвращен услугодателю: запросите его обратно
sc-next-open = Заявление в работе
sc-next-closed = Заявление закрыто: документы на его странице
sc-next-act = Ваш шаг: откройте заявление

## journal (the application page's table of journal entries)

journal-when = Время
journal-event = Событие
journal-who = Кто
journal-what = Что
journal-intro = Все записи журнала заявления: они не изменяются, только дополняются.
journal-submitted = Заявление подано
journal-step_completed = Шаг выполнен
journal-closed = Заявление закрыто
journal-returned_to_provider = Результат возвращен услугодателю
journal-re_requested = Результат запрошен повторно
journal-request_refused = Запрос на портале отклонен
journal-result_signed = Результат подписан ЭЦП
journal-assigned = Назначен исполнитель
journal-applicant = Заявитель
journal-system = Информационная система
journal-receipt = расписка №
journal-applicant_signed = с ЭЦП заявителя
journal-both_copies = экземпляры на казахском и русском языках
journal-kk_copy = экземпляр на казахском языке
journal-due = срок
journal-step = шаг { $n }
journal-presented-identity_document = предъявлен документ, удостоверяющий личность
journal-presented-notarised_power_of_attorney = предъявлена нотариально удостоверенная доверенность

## document kinds (templates/<kind>.<lang>.toml titles) and document languages

dockind-acceptance_receipt = Расписка о приеме документов
dockind-certificate = Справка
dockind-contract = Договор
dockind-decision = Решение
dockind-duplicate = Дубликат
dockind-letter = Письмо
dockind-motivated_refusal = Мотивированный отказ
dockind-notice = Уведомление
dockind-notification = Уведомление
dockind-permission = Разрешение
dockind-queue_notification = Уведомление о постановке в очередь
dockind-referral = Направление
dockind-refusal_to_accept_receipt = Расписка об отказе в приеме документов
dockind-resolution = Постановление
dockind-result_received_receipt = Расписка о получении результата оказания государственной услуги
doclang-kk = на казахском языке
doclang-ru = на русском языке
doclang-en = на английском языке

## the monitoring CSV in kk/ru (headers, groups)

csv-col-group = Группа
csv-col-name = Наименование
csv-col-channel = Канал
csv-col-step = Шаг
csv-col-role = Роль
csv-col-legal_duration = Нормативный срок
csv-col-measured = Учтено
csv-col-on_time = В срок
csv-col-compliance = Доля соблюдения
csv-col-completed = Выполнено
csv-col-avg_minutes = Среднее время, мин
csv-col-p90_minutes = 90-й процентиль, мин
csv-col-legal_minutes = Нормативный срок, мин
csv-col-late = С опозданием
csv-col-working_days_late = Опоздание, рабочих дней
csv-group-service = Услуга
csv-group-provider = Услугодатель
csv-group-role = Роль
csv-group-step = Шаг
csv-group-results_late = Результаты, выданные с нарушением срока
csv-group-overdue = Просроченное заявление
csv-group-at_risk = Заявление с истекающим сроком
csv-group-late = Заявление, результат по которому выдан с опозданием
csv-all = всего
## Citizen statuses, comments to the applicant, notifications, duplicate applications
cstatus-submitted = Подано
cstatus-accepted = Принято
cstatus-in_progress = В обработке
cstatus-result_ready = Результат готов к выдаче
cstatus-issued = Результат выдан
cstatus-refused = Отказано
cstatus-returned = Возвращено услугодателю
cstatus-returned_hint = результат не был востребован; его можно запросить повторно через Госкорпорацию
cstatus-refused_by = отказал: { $org }
refusal_kind-refusal_letter = мотивированный ответ об отказе
refusal_kind-refusal_to_accept = расписка об отказе в приеме документов
refusal_kind-notice = уведомление об отказе
statuses-title = История статусов
statuses-since = С какого времени
statuses-due = Срок по закону
app-comments = Комментарии для заявителя
app-comment_public = для заявителя
act-public_comment = Комментарий для заявителя
act-public_comment_hint = Необязательно. Заявитель увидит его на странице заявления и в уведомлении.
act-note_internal = Видят только сотрудники; заявителю не показывается.
notifications-title = Уведомления
notifications-empty = Уведомлений нет.
notifications-comment = Комментарий: { $text }
notify-comment = Комментарий: { $text }
duplicate-title = По этой услуге уже есть открытое заявление
duplicate-text = Заявление { $id } на того же человека еще не завершено. Подтвердите, что подаете повторное заявление.
duplicate-confirm = Да, подаю повторное заявление
duplicate-required = Подтвердите повторное заявление или откройте уже поданное.

## The preschool queue
done-queue = Записано.
done-places_declared = Места объявлены; направления выданы по очереди.
problem-queue-district = Этот услугодатель не ведет очередь в дошкольные организации.
problem-queue-iin = Ребенок уже стоит в очереди этого района.
problem-queue-child = Ребенок не ожидает в очереди.
problem-queue-referral = Направление уже не действует или его срок истек.
problem-queue-count = Укажите число мест от 1 до 10000.
problem-queue-at = С 1 по 31 августа новые места не объявляются.
problem-queue-organisation = Выберите дошкольную организацию вашего района.
problem-queue-language = В этой организации нет групп на этом языке.
problem-queue-group = Выберите возрастную группу.
problem-queue-category = Выберите категорию из списка.
problem-queue-proof_date = Документ, подтверждающий категорию, недействителен.
problem-queue-preferred = Выберите организации своего района.
problem-queue-queue = Очередь в дошкольные организации не настроена.
problem-forbidden-queue_district = Ваша организация не ведет очередь в дошкольные организации.
nav-queue = Очередь в детские сады
queue-section = Очередь в дошкольную организацию
queue-number = Номер в очереди:
queue-status = Состояние
queue-until = до
queue-district = Район
queue-public_link = открытая очередь района
queue-group = Возрастная группа
queue-category = Право на место
queue-registration = Регистрационный номер
queue-registration_col = Рег. №
queue-referral = Направление
queue-language-kk = казахский язык
queue-language-ru = русский язык
queue-language_col = Язык группы
queue-referral_state-issued = Выдано, ждет согласия заявителя
queue-referral_state-accepted = Принято, ждет зачисления
queue-referral_state-enrolled = Ребенок зачислен
queue-referral_state-declined = Отказ от направления
queue-referral_state-lapsed = Срок истек, место передано следующему
queue-accept_by = Дать согласие не позднее
queue-enrol_by = Зачислить не позднее
queue-accept = Принять направление
queue-extend = Продлить срок зачисления
queue-decline = Отказаться
queue-enrol = Ребенок зачислен
queue-history = Как менялся номер
queue-when = Когда
queue-number_col = Номер
queue-why = Почему
queue-why-own = Ребенок поставлен в очередь или изменена его категория
queue-why-joined = Впереди встал ребенок с правом на место раньше
queue-why-left = Ребенок впереди получил место или вышел из очереди
queue-why-moved = У ребенка впереди изменилась категория
queue-why-turn = Очередь направлений перешла между категориями
queue-why-year = Начался новый учебный год
queue-status-waiting = В очереди
queue-status-stop_listed = В стоп-листе: направления не выдаются
queue-status-referred = Выдано направление
queue-status-enrolled = Зачислен
queue-status-withdrawn = Снят с очереди
queue-status-aged_out = Выбыл по возрасту (школа)
queue-public_title = Очередь в дошкольные организации
queue-public_intro = Очередь каждого района открыта: порядок, категории и выданные направления видны всем, без имен и ИИН.
queue-district_intro = Номер в очереди — место ребенка сейчас. Вместо имени — регистрационный номер из уведомления. Направления выдаются сначала внеочередникам, затем первоочередникам и остальным по установленной доле.
queue-all_districts = Все районы
queue-empty = В очереди этого района никого нет.
queue-tier = Категория
queue-tier-extraordinary = Внеочередное право
queue-tier-priority = Первоочередное право
queue-tier-general = На общих основаниях
queue-stop_list = в стоп-листе до
queue-applied = Дата заявления
queue-referrals = Выданные направления
queue-no_referrals = Направлений пока нет.
queue-issued = Выдано
queue-organisation = Дошкольная организация
queue-rule = Почему этому ребенку
queue-rank = Номер при выдаче
queue-rule-extraordinary = Внеочередное право: такие дети первыми
queue-rule-ratio = Очередь категории «{ $tier }»
queue-rule-ratio_other = Очередь категории «{ $tier }», но ни один такой ребенок не мог занять место: выдано категории «{ $given }»
queue-staff_title = Свободные места и направления
queue-staff_intro = Объявите свободные места: направления сразу получат первые дети очереди, которые могут их занять.
queue-count = Число мест
queue-declare = Объявить места
queue-open_places =
    { $count ->
        [one] { $count } место ждет ребенка
        [few] { $count } места ждут ребенка
       *[many] { $count } мест ждут ребенка
    }
queue-notice = Выдано направление в дошкольную организацию: { $organisation }. Ответьте на странице заявления.
queue-at_counter = Ответ заявителя, пришедшего лично.
queue-journal = Журнал очереди
queue-what = Что
queue-who = Кто
queue-system = система (по сроку)
queue-new_category = Новая категория
queue-proof_date = Дата документа, подтверждающего категорию
queue-proof_date_hint = дд.мм.гггг; для категорий с ограниченным сроком документа
queue-change_category = Изменить категорию
queue-event-entered = Поставлен в очередь
queue-event-category_changed = Изменена категория
queue-event-proof_expired = истек срок документа
queue-event-places_declared = Объявлены места
queue-event-referral_issued = Выдано направление
queue-event-referral_accepted = Направление принято
queue-event-enrolment_extended = Срок зачисления продлен
queue-event-referral_declined = Отказ от направления
queue-event-referral_lapsed = Срок направления истек
queue-event-enrolled = Зачислен
queue-event-stop_list_ended = Стоп-лист окончен
queue-event-year_began = Начался новый учебный год
queue-event-aged_out = Выбыл по возрасту
queue-event-withdrawn = Снят с очереди
queue-application = Заявка
