# Interface texts, English.
# The ids are the same in kk/, ru/ and en/ main.ftl, and every id the server's code names
# exists in all three (tests in crates/server/src/i18n.rs check both). Counts are `$count`
# with CLDR plural categories: Russian one/few/many, Kazakh and English one/other.

## nav

nav-skip = Skip to main content
nav-label = Main navigation
nav-languages = Language
nav-services = Services
nav-cabinet = My applications
nav-work = Workstation
nav-sc = State Corporation desk
nav-monitoring = Monitoring
nav-admin = Administration
nav-tokens = API tokens
nav-login = Log in
nav-register = Register
nav-logout = Log out
nav-home = Home page

## footer

brand = qyzmet

footer-text = qyzmet — state-service regulations of Kazakhstan run as data. A sandbox: the seed regulations are historical and run at a date they were in force.

## home

home-title = State services
home-intro = Apply for a state service, follow its progress step by step, and receive the result.
home-portal = Find a service and apply
home-clock = Server time (Almaty)

## common

common-yes = yes
common-no = no

## form

form-error_summary = There is a problem
form-required = Fill in this field
form-password_length =
    The password must have at least { $count ->
        [one] { $count } character
       *[other] { $count } characters
    }
form-phone_format = Enter a phone number like +7 701 000 00 00
form-iin_taken = An account with this IIN already exists: log in instead

## login

login-title = Log in
login-login = IIN or login
login-login_hint = Citizens: your 12-digit IIN. Staff: the login you were given.
login-password = Password
login-submit = Log in
login-no_account = No account yet?
login-bad_credentials = The IIN (or login) or the password is wrong
login-locked = Too many failed attempts: the account is locked until { $until }

## register

register-title = Register
register-iin = IIN
register-iin_hint = 12 digits, for example 900101300007
register-name = Full name
register-phone = Mobile phone (optional)
register-phone_hint = For status messages by SMS
register-password = Password
register-submit = Create account

## services

services-title = Services
services-search = Search services
services-search_hint = Words from the name, in any language
services-search_button = Search
services-found = Services found: { $count }
services-channels = apply through
services-in_force = in force
services-not_in_force = not in force at the server date

## service

service-id = Regulation
service-version = version { $n }
service-diagram_file = Drawing file
service-region = Region
service-act = Approved
service-repealed_on = repealed on
service-channels = Where to apply and terms
service-channel = Channel
service-accepts = Accepts applications
service-issues = Issues results
service-term = Term of the service
service-providers = Who provides the service
service-steps = Steps
service-diagrams = Process diagrams
service-diagram_of = Process: { $flow }
passport-title = State service passport
passport-results = What the service gives
passport-result_form = Form of the result
passport-result_form-paper = paper
passport-result_form-electronic = electronic
passport-recipients = Who receives the service
passport-cost = Cost
passport-where = Where to apply and terms
passport-acceptance_day_not_counted = the day the documents are accepted is not counted
passport-issues_only = issues the result only
passport-documents = Documents
passport-only_on = only: { $channels }
passport-conditional = depending on the category
passport-grounds = Grounds for refusing the service
passport-grounds_hint = A closed list: the executor picks only from these grounds.
passport-acceptance_grounds = Grounds for refusing to accept the documents
passport-no_grounds = The regulation's text names no grounds for refusal.
passport-appeal = How to appeal
passport-appeal_term = the complaint is considered within { $term } of its registration
passport-appeal_law = Basis: { $law }
passport-waiting = Longest waits
passport-waiting-submission = Handing in the documents ({ $channel }): at most { $max }
passport-waiting-result = Receiving the result ({ $channel }): at most { $max }
passport-ref_para = para { $para } of the Standard
passport-ref_subpara = para { $para }({ $sub }) of the Standard
passport-ref_app = App. { $app } to the Standard
passport-ref_regulation = the regulation's text

## channel

channel-office = provider's office
channel-state_corporation = State Corporation
channel-portal = e-government portal
channel-intermediary = intake office

## unit

unit-seconds =
    { $count ->
        [one] { $count } second
       *[other] { $count } seconds
    }
unit-minutes =
    { $count ->
        [one] { $count } minute
       *[other] { $count } minutes
    }
unit-hours =
    { $count ->
        [one] { $count } hour
       *[other] { $count } hours
    }
unit-working_days =
    { $count ->
        [one] { $count } working day
       *[other] { $count } working days
    }
unit-calendar_days =
    { $count ->
        [one] { $count } calendar day
       *[other] { $count } calendar days
    }
unit-days_unspecified =
    { $count ->
        [one] { $count } day
       *[other] { $count } days
    }
unit-months =
    { $count ->
        [one] { $count } month
       *[other] { $count } months
    }

## apply

apply-title = Apply on the portal
apply-you_need = You will need:
apply-provider = Provider
apply-phone_hint = We send status messages here (not between 22:00 and 08:00)
apply-declaration = Declaration
apply-confirm = I confirm that the information is true and my documents are valid
apply-confirm_required = Confirm the declaration to apply
apply-submit = Submit the application
apply-no_providers = No organisation provides this service here yet.
apply-not_in_force = This regulation is not in force at the server's date: applications are not accepted.
apply-no_portal = This service is not provided through the portal: apply at the provider's office or the State Corporation.
apply-citizens_only = Citizens apply here; staff register paper applications at their desk.
apply-login_first = Log in to apply

## cabinet

cabinet-title = My applications
cabinet-documents = Results and receipts
cabinet-apply_more = Apply for another service

## list

list-application = Application
list-service = Service
list-applicant = Applicant
list-status = Status
list-holder = Now with
list-due = Due
list-empty = Nothing here yet.

## status

status-in_progress = in progress
status-awaiting_issue = ready, waiting to be collected
status-returned_to_provider = unclaimed, returned to the provider
status-closed = closed

## closure

closure-issued = result issued
closure-refusal_issued = refused (motivated refusal issued)
closure-acceptance_refused = documents not accepted
closure-refusal_notice = refused (notice of refusal)

## sla

sla-on_time = on time
sla-at_risk = at risk
sla-overdue = overdue

late-days =
    { $count ->
        [one] late by { $count } working day
       *[other] late by { $count } working days
    }
late-same_day = late the same day
late-within_day = late by less than a working day

## app

app-title = Application { $id }
app-service = Service
app-provider = Provider
app-channel = Submitted through
app-status = Status
app-applicant = Applicant
app-submitted = Submitted
app-accepted_at = Accepted (the term counts from)
app-late_entry = entered after working hours
app-term_due = Service term ends
app-version = Regulation version
app-receipt = Receipt number
app-refusal_grounds = Grounds of refusal
app-now_with = Now with:
app-due = Due by
app-documents = Documents
app-notes = Officials' notes
app-events = Journal events

## timeline

timeline-title = Progress
timeline-who = Who
timeline-what = What
timeline-duration = Legal duration
timeline-due = Legal due date
timeline-state = State
timeline-step = step
timeline-completed = completed
timeline-done = done
timeline-current = now
timeline-pending = to come
timeline-not_reached = not reached
timeline-failure_only = only on failure

## outcome

outcome-done = Done: pass the file on
outcome-refuse_acceptance = Refuse to accept the documents
outcome-motivated_refusal = Prepare a motivated refusal
outcome-fail = Refuse (condition not met)

## act

act-title = Your step
act-outcome = Outcome
act-note = Note
act-grounds = Grounds
act-grounds_hint = Required for a refusal: the grounds as the regulation lists them
act-presented = Shown by the person collecting the result
act-presented_none = nothing yet
act-identity_document = identity document of the applicant
act-power_of_attorney = notarised power of attorney of a representative
act-submit = Record the step
act-note_for-head = Resolution (for the executor)
act-note_for-executor = Result of the check
act-note_for-akim = Resolution
act-note_for-specialist = Result of the check

## doc

doc-receipt = Receipt
doc-result = Result
doc-signed = ЭЦП signed
doc-verify = Verify

## work

work-title = Workstation
work-inbox = My inbox
work-all = All of my organisation's applications

## intake

intake-office_title = Register a paper application
intake-service = Service
intake-iin = Applicant's IIN
intake-name = Applicant's full name
intake-decision = Documents
intake-accept = Complete: accept and issue the acceptance receipt
intake-refuse = Incomplete or expired: refuse to accept (receipt with grounds)
intake-grounds = Grounds for refusing to accept
intake-grounds_hint = Which documents are missing or expired
intake-submit = Register
intake-late_entry = Entered after working hours: record it as taken in at the next working opening
intake-centre = Centre
intake-centre_default = Standard hours of the State Corporation

## sc

sc-title = State Corporation desk
sc-intake_title = Take an application in
sc-choose = — choose a service —
sc-choose_button = Choose
sc-intake_submit = Take in and issue the receipt
sc-unclaimed = Unclaimed results
sc-unclaimed_hint = Results not collected within the storage period go back to the provider.
sc-unclaimed_select = Return to the provider
sc-return_submit = Return the selected results
sc-rerequest = Request the result back from the provider
sc-rerequest_hint = The result was returned to the provider as unclaimed. If the applicant has come for it, request it back.

## monitoring

monitoring-title = SLA monitoring
monitoring-from = Submitted from
monitoring-to = Submitted before
monitoring-date_hint = A date, for example 03.12.2019
monitoring-apply = Show
monitoring-at = At
monitoring-applications =
    { $count ->
        [one] { $count } application
       *[other] { $count } applications
    }
monitoring-compliance_chart = Steps completed within their legal time, per service
monitoring-time_chart = Time per step against its legal duration (minutes, log scale)
monitoring-avg = average
monitoring-p90 = 90th percentile
monitoring-legal = legal duration
monitoring-minutes_short = min
monitoring-overdue = Overdue now
monitoring-at_risk = At risk now
monitoring-by_service = By service
monitoring-by_provider = By provider
monitoring-by_role = By role
monitoring-by_step = By step
monitoring-key = Group
monitoring-measured = Steps measured
monitoring-on_time = On time
monitoring-compliance = Compliance
monitoring-step = Step
monitoring-late = Results issued late
monitoring-results_late =
    { $count ->
        [one] { $count } result issued late
       *[other] { $count } results issued late
    }
monitoring-late_total = Results issued after the term: { $count }, late by { $days } working days in all.
monitoring-late_count = Late
monitoring-late_steps = Completed late

## admin

admin-title = Administration
admin-clock = Server clock
admin-offset =
    simulated jump so far: { $count ->
        [one] { $count } minute
       *[other] { $count } minutes
    }
admin-advance = Move the clock forward by (minutes)
admin-advance_hint = 1440 is one day; a negative number moves it back
admin-advance_submit = Move the clock
admin-clock_fixed = The clock runs in real time here (no --demo or --as-of).
admin-accounts = Accounts
admin-kind = Kind
admin-org = Organisation
admin-roles = Roles
account_kind-admin = admin
account_kind-monitor = monitor
account_kind-staff = staff
account_kind-citizen = citizen
admin-login = Login

## tokens

tokens-title = API tokens
tokens-created = Your new token (copy it now, it is not shown again):
tokens-name = Name
tokens-name_hint = Who uses it, for example the integrator's system
tokens-scopes = Scopes
tokens-created_at = Created
tokens-revoke = Revoke
tokens-revoked = revoked
tokens-new = New token
tokens-create = Create token
tokens-scope-read = read applications and documents
tokens-scope-submit = submit applications
tokens-scope-act = act on steps
tokens-scope-monitor = read monitoring
tokens-scope-admin = administer the sandbox

## verify

verify-title = Document verification
verify-found = This document was issued by qyzmet.
verify-not_found = No document with this verification code was issued.
verify-code = Verification code
verify-application = Application
verify-kind = Document
verify-issued = Issued
verify-valid = The document is authentic: its content is exactly the signed document, and the provider's ЭЦП (electronic digital signature) is valid.
verify-invalid = The document does not check out.
verify-unsigned = The document carries no digital signature (a receipt, or the Russian copy of a result signed before both copies were).
verify-content_mismatch = The document's content differs from what was signed.
verify-no_file = Choose a PDF file to check.
verify-unknown_document = This file is not a document issued here, or it was changed after it was issued.
verify-upload_title = Check a PDF
verify-upload_file = PDF document
verify-upload_submit = Check
verify-signed_by = Signed by
verify-signer = Signer's certificate
verify-issuer = Issued by
verify-serial = Certificate serial number
verify-signing_time = Signing time
verify-sha256_journal = SHA-256 journalled with the signature
verify-content_matches = Content equals the signed document
verify-signature_valid = Signature valid
verify-technical_hint = To check the document with another tool: the file's SHA-256 and the signer's certificate number.
verify-technical = Technical data
verify-trusted_ca = a certification authority the server trusts
verify-bin = BIN
verify-sha256 = SHA-256 of the document

## org

org-portal = e-government portal

## problem

problem-title = The request could not be done
# What an HTTP status means, for an error whose rule has no message of its own.
http_status-400 = The request is not valid: go back to the page and try again.
http_status-403 = You may not do or see this.
http_status-404 = Not found, or you may not see it.
http_status-409 = The application has just changed: reload the page and try again.
http_status-413 = What was sent is too large.
http_status-415 = Data in this format is not accepted.
http_status-422 = Check what you entered.
http_status-429 = Too many attempts: wait a little and try again.
http_status-500 = The server failed: nothing was changed, try again later.
http_status-503 = The server is unavailable for now: nothing was changed, try again later.
problem-not_found = Not found, or not yours to see.
problem-csrf = The form has expired: go back, reload the page and try again.
problem-wrong_step = Someone else has already completed this step: reload the page.
problem-wrong_role = This step belongs to another role.
problem-wrong_organisation = This step belongs to another organisation.
problem-no_such_branch = The regulation gives no such outcome at this step.
problem-identity_required = Issuing the result needs the applicant's identity document or a representative's notarised power of attorney.
problem-application_closed = The application is closed.
problem-invalid = Check this field.
problem-required = Fill in this field.
problem-storage_period_not_over = The storage period of this result is not over yet.
problem-regulation_repealed = The regulation is repealed: applications are not accepted.
problem-regulation_not_yet_in_force = The regulation was not yet in force.
problem-provider-type = This organisation does not provide the chosen service.
problem-provider-unknown = Choose a provider from the list.
problem-forbidden-role = You do not hold the role of the current step.
problem-forbidden-organisation = This belongs to another organisation.
problem-forbidden-not_staff = Only staff do this.
problem-forbidden-not_citizen = Only citizens apply on the portal.
problem-forbidden-admin = Only administrators do this.
problem-forbidden-monitoring = Monitoring is for monitors, administrators and staff.
problem-clock-fixed = The clock moves only in a sandbox.
problem-documents-too_large = A file is larger than 5 MiB.
problem-documents-type = A file is not a PDF, JPEG or PNG (checked by its content).
problem-documents-too_many = At most 10 files can be attached.
problem-outside_working_hours-office = The provider's office takes applications only during working hours ({ $hours }); it opens next at { $next }. If you took the application in after hours, tick "Entered after working hours": it will count as accepted at that opening.
problem-outside_working_hours-state_corporation = The State Corporation centre takes applications only during working hours ({ $hours }); it opens next at { $next }. If you took the application in after hours, tick "Entered after working hours": it will count as accepted at that opening.
weekdays-short = Mon Tue Wed Thu Fri Sat Sun
problem-equeue-slot_taken = This time has just been booked by someone else: choose another.
problem-equeue-already_booked = This application already has a booking: cancel it to choose another time.
problem-equeue-not_awaiting_issue = The result of this application is not waiting at the State Corporation.
problem-equeue-not_applicant = Only the applicant books a time to collect the result.
problem-equeue-slot_unknown = Choose a time from the list.
problem-equeue-slot_past = This time has already passed: choose another.

## done

done-submitted = Your application has been submitted. Its progress is below.
done-acted = The step is recorded.
done-intake = The application is registered.
done-registered = Your account is created and you are logged in.
done-returned = The selected results are returned to their providers.
done-clock = The clock has been moved.
done-token_revoked = The token is revoked.
done-logged_in = You are logged in.
done-booked = Your time at the State Corporation is booked.
done-booking_cancelled = The booking is cancelled.

## notify

notify-submitted = Application { $id } is accepted.
notify-step_completed = Application { $id }: a step is done.
notify-issued = Application { $id }: the result is ready.
notify-refusal_issued = Application { $id }: a motivated refusal is issued.
notify-acceptance_refused = Application { $id }: the documents were not accepted.
notify-refusal_notice = Application { $id }: refused (notice of refusal).
notify-returned = Application { $id }: the unclaimed result is returned to the provider.
notify-rerequested = Application { $id }: the result is requested again.
notify-signed = Application { $id }: the result is signed.
notify-assigned = Application { $id }: an executor was assigned.

## role

role-unknown = employee
role-office_clerk = office employee
role-head = head of the provider
role-executor = executor
role-akim = akim
role-specialist = specialist
role-state_corporation_operator = State Corporation operator
role-collection_sector = State Corporation collection sector
role-courier = State Corporation courier
role-portal = e-government portal
role-applicant = applicant
role-gateway = e-government gateway
role-regional_gateway = regional e-government gateway
role-individuals_db = State database of individuals
role-monitoring_system = monitoring system
role-intermediary_clerk = intake office employee
role-provider_employee = provider's employee
role-sc_information_system = State Corporation information system

## sign

sign-title = Sign the application
sign-intro = Your ЭЦП (electronic digital signature) must cover exactly these bytes (the canonical request):
sign-download = Download them as request.json for your signing tool
sign-file = Signature file
sign-file_hint = A CMS (PKCS#7) signature from NCALayer or another tool: .p7s or .cms, DER, PEM or base64.
sign-paste = Or paste the signature
sign-paste_hint = base64 or PEM
sign-submit = Submit the signed application
sign-demo_title = Demo server: sign with the demo key
sign-demo_text = This server runs in demo mode. The server can sign your request with a demo key issued to your account by qyzmet's development certification authority. It is not a real ЭЦП and is accepted by demo servers only.
sign-demo_button = Sign with the demo key (demo only)
sign-required = Sign the request with your ЭЦП: attach the signature.
sign-request_details = The request text the signature covers (for specialists)
sign-ncalayer_title = Sign with NCALayer
sign-ncalayer_hint = NCALayer must be running on this computer. Your key never leaves it: NCALayer asks you to choose it and enter its password.
sign-ncalayer_button = Sign with ЭЦП (NCALayer)
sign-ncalayer_working = Waiting for NCALayer: choose the key and enter its password in NCALayer's window…
sign-ncalayer_sending = Signed. Sending…
sign-ncalayer_unavailable = NCALayer is not running or cannot be reached on this computer. Start NCALayer and try again, or sign with another tool and attach the signature file.
sign-ncalayer_cancelled = Signing was cancelled in NCALayer: nothing was sent.
sign-ncalayer_failed = NCALayer did not sign the document:
sign-other_tool = Sign with another tool (a signature file)
sign-result_title = Signing the result
sign-result_intro = The result is issued in Kazakh and in Russian: you sign each copy with your ЭЦП. Choose the decision above first.
sign-result_button = Sign with ЭЦП (NCALayer) and complete the step
sign-result_other_hint = Download both copies, sign each with a detached CMS signature and attach both signatures. The copies are dated when this page was opened: sign them within an hour.
sign-result_download_kk = Download the Kazakh copy to sign
sign-result_download_ru = Download the Russian copy to sign
sign-result_file_kk = Signature of the Kazakh copy (.p7s)
sign-result_file_ru = Signature of the Russian copy (.p7s)
sign-result_demo_title = Demo server: sign with the organisation's demo key
sign-result_demo_text = The server signs the result with a demo key it holds for the organisation's head. It is not a real ЭЦП and is accepted by demo servers only.
sign-result_demo_button = Sign with the demo key and complete (demo only)
sign-result_required = Sign the result with your ЭЦП: through NCALayer, or attach the signatures of both copies.
sign-result_refused = The signature on the result was not accepted
sign-result_stale = The copies to sign were prepared over an hour ago or before this step began: open the page again and sign again.

## upload

upload-label = Documents (scans or photos)
upload-hint =
    PDF, JPEG or PNG, each up to 5 MiB, at most { $count ->
        [one] { $count } file
       *[other] { $count } files
    }. You can select several files at once.
upload-title = Attached documents
upload-none = No documents attached.
upload-download = Download
upload-size = { $kb } KB
upload-signed_hint = The signature covers these files (their SHA-256 are in the bytes to sign).

## equeue

equeue-title = Book a time at the State Corporation
equeue-section = Collecting the result
equeue-intro = The result is waiting for you at the State Corporation. Book a 15-minute time to collect it without queueing.
equeue-book_link = Book a time to collect the result
equeue-booked = Your time:
equeue-cancel = Cancel the booking
equeue-centre = Service centre
equeue-choose_centre = Show
equeue-slot = Time
equeue-submit = Book this time
equeue-no_slots = No free times in the coming working days.
equeue-desk_title = E-queue bookings
equeue-desk_link = E-queue bookings of the day
equeue-date = Day
equeue-show = Show
equeue-none = No bookings on this day.
equeue-time = Time
equeue-application = Application
equeue-applicant = Applicant

## Lists: search, filters, pages
list-any = any
list-search = Search
list-search_hint = IIN, application number, receipt number or the start of the applicant's name
list-filter_sla = Deadline
list-status_open = open
list-status_closed = closed
list-from = Submitted from
list-to = Submitted before
list-date_hint = For example 03.12.2019
list-sort = Order
sort-step_due = nearest step deadline first
sort-term_due = nearest service term first
sort-newest = newest first
sort-oldest = oldest first
list-apply = Show
list-pages = Pages
list-next = Next page
list-first = First page

## List filters: problems
problem-date = Enter a date such as 03.12.2019.
problem-enum = Choose one of the values offered.
problem-range = The number is out of range.
problem-cursor-invalid = This page link is out of date: start again from the first page.

## Security checks (issue 9): signature refusals, names
sign-too_many_refusals = Too many refused signatures from this account in the last hour: try again later.
field-too_long = { $field } is too long: at most { $max ->
        [one] { $max } character
       *[other] { $max } characters
    }, this one has { $found }.
field-forbidden_character = { $field } contains a character not allowed in a name ({ $char }): control and text-direction characters are refused.
## Passwords, login throttling, neutral registration (issue 9)
form-password_blank = The password must not be only spaces
form-password_too_long =
    The password must have at most { $count ->
        [one] { $count } character
       *[other] { $count } characters
    }
form-password_unchanged = The new password must differ from the current one
login-busy = Too many logins at once: try again in a few seconds
register-sent = If this IIN had no account, one is created with the password you chose. Log in with your IIN and password; if the IIN already had an account, use that account's password.
password-title = Change password
password-current = Current password
password-new = New password
password-new_hint = At least 8 characters, not only spaces, at most 256
password-submit = Change password
password-must_change = You logged in with a one-time password: choose your own to continue.
password-wrong = The current password is wrong
password-link = Change password
done-password_changed = Your password is changed. Your other sessions are closed.
done-registration = Registration received: log in below.
tokens-scope-tokens = list and revoke your tokens
tokens-scope-metrics = read the Prometheus metrics
nav-password = Password
problem-token-session_only = This needs a logged-in session, not an API token.
problem-forbidden-metrics = Metrics are for administrators and monitors.

## Application data (the service's form)
appform-about-applicant = About the applicant
appform-about-application = About the application
appform-about-child = About the child
appform-about-pupil = About the pupil
appform-about-student = About the student
appform-about-ward = About the child to be placed under guardianship
appform-about-graduate = About the graduate
appform-optional = (optional)
appform-date_hint = Format: dd.mm.yyyy, for example 03.12.2019
appform-date_placeholder = dd.mm.yyyy
appform-iin_hint = 12 digits
appform-phone_hint = +7 and ten digits, for example +7 701 123 45 67
appform-only_when = Only if «{ $field }» is: { $values }
appform-documents = Documents
appform-from_state_systems = (obtained from state information systems; not asked of the applicant)
appform-data = Application data
appform-rule-required = Fill in this field
appform-rule-not_asked = This field is not asked for the answers given
appform-rule-iin_format = An IIN is 12 digits
appform-rule-iin_check_digit = This IIN does not exist: check the digits (the check digit does not match)
appform-rule-iin_birth_date = The IIN does not begin with the date of birth given: check both
appform-rule-date_format = Enter the date as dd.mm.yyyy, for example 03.12.2019
appform-rule-date_in_future = The date cannot be later than today
appform-rule-too_young = { $count ->
    [one] The person must be at least { $count } year old
   *[other] The person must be at least { $count } years old
}
appform-rule-too_old = { $count ->
    [one] The person must be at most { $count } year old
   *[other] The person must be at most { $count } years old
}
appform-rule-year_format = Enter a year of four digits, not later than this year
appform-rule-year_ahead = { $count ->
    [one] Enter a year of four digits, at most { $count } year after this one
   *[other] Enter a year of four digits, at most { $count } years after this one
}
appform-rule-name_format = Use letters, spaces, hyphens and apostrophes only
appform-rule-phone_format = Enter the phone as +7 and ten digits
appform-rule-unknown_option = Choose one of the options
appform-rule-too_many_choices = { $count ->
    [one] Choose at most { $count } option
   *[other] Choose at most { $count } options
}
appform-rule-duplicate_choice = The same option is chosen twice
appform-rule-too_long = { $count ->
    [one] At most { $count } character
   *[other] At most { $count } characters
}
# Officials' desk: named executors, explicit decisions, previews, inbox tools, SC lookup.
problem-executor-required = Choose the executor the application goes to.
problem-executor-unknown = Choose an executor from the list.
problem-executor-not_assigning = This step does not hand the application to an executor.
problem-refusal_grounds-required = Choose one or more grounds of refusal from the regulation's list.
problem-refusal_grounds-unknown = Choose grounds from the list offered.
problem-refusal_grounds-not_refusing = Grounds of refusal are chosen only for a refusal.
problem-outcome-required = Choose the decision: the result or a refusal.
problem-forbidden-assignee = The head gave this application to another executor.
problem-lookup-invalid = Enter an IIN (12 digits) or a receipt number (12 digits).
ground-standard_para = the grounds of paragraph { $para } of the state service standard
ground-standard = the grounds given in the state service standard
act-executor = Executor
act-executor_choose = — choose the executor —
act-outcome_result = Prepare the result (the service is provided)
act-refusal_grounds = Grounds of refusal (the regulation's list)
act-refusal_grounds_hint = Required for a refusal: tick one or more.
act-comment = Comment
act-comment_hint = Optional: what the grounds rest on in this case.
act-assigned = Executor: { $name }
act-readonly = The head gave this application to { $name }: you can see it, but only they act on it.
act-preview = Preview the result before signing (draft, not issued)
app-assignee = Executor
app-listed_grounds = Grounds of refusal
list-late_only = Overdue only
list-mine = Assigned to me
list-print = Print version
list-print_hint = This is the print version of the list: print it with your browser (Ctrl+P).
list-back = Back to the list
sc-lookup_title = Find an application
sc-lookup_label = IIN or receipt number
sc-lookup_hint = 12 digits: the applicant's IIN or the number on the acceptance receipt
sc-lookup_submit = Find
sc-lookup_none = No application found.
sc-lookup_found = Applications found: { $count }
sc-next-issue = The result is ready: check the identity document and issue it
sc-next-rerequest = The result was returned to the provider: request it back
sc-next-open = The application is being processed
sc-next-closed = The application is closed: documents are on its page
sc-next-act = Your step: open the application

## journal (the application page's table of journal entries)

journal-when = When
journal-event = Event
journal-who = Who
journal-what = What
journal-intro = Every entry of the application's journal: entries are never changed, only added.
journal-submitted = Application submitted
journal-step_completed = Step completed
journal-closed = Application closed
journal-returned_to_provider = Result returned to the provider
journal-re_requested = Result requested again
journal-request_refused = Portal request refused
journal-result_signed = Result signed (ЭЦП)
journal-assigned = Executor assigned
journal-applicant = Applicant
journal-system = Information system
journal-receipt = receipt no.
journal-applicant_signed = with the applicant's ЭЦП
journal-both_copies = Kazakh and Russian copies
journal-kk_copy = Kazakh copy
journal-due = due
journal-step = step { $n }
journal-presented-identity_document = identity document shown
journal-presented-notarised_power_of_attorney = notarised power of attorney shown

## document kinds (templates/<kind>.<lang>.toml titles) and document languages

dockind-acceptance_receipt = Receipt of acceptance of the documents
dockind-certificate = Certificate
dockind-contract = Contract
dockind-decision = Decision
dockind-duplicate = Duplicate
dockind-letter = Letter
dockind-motivated_refusal = Motivated refusal
dockind-notice = Notice
dockind-notification = Notification
dockind-permission = Permission
dockind-queue_notification = Notification of placement in a queue
dockind-referral = Referral
dockind-refusal_to_accept_receipt = Receipt on refusal to accept the documents
dockind-resolution = Resolution
dockind-result_received_receipt = Receipt for the result received
doclang-kk = in Kazakh
doclang-ru = in Russian
doclang-en = in English

## the monitoring CSV in kk/ru (headers, groups)

csv-col-group = Group
csv-col-name = Name
csv-col-channel = Channel
csv-col-step = Step
csv-col-role = Role
csv-col-legal_duration = Legal duration
csv-col-measured = Measured
csv-col-on_time = On time
csv-col-compliance = Compliance
csv-col-completed = Completed
csv-col-avg_minutes = Average, min
csv-col-p90_minutes = 90th percentile, min
csv-col-legal_minutes = Legal duration, min
csv-col-late = Late
csv-col-working_days_late = Working days late
csv-group-service = Service
csv-group-provider = Provider
csv-group-role = Role
csv-group-step = Step
csv-group-results_late = Results issued late
csv-group-overdue = Overdue application
csv-group-at_risk = Application at risk
csv-group-late = Application with a late result
csv-all = all
## Citizen statuses, comments to the applicant, notifications, duplicate applications
cstatus-submitted = Submitted
cstatus-accepted = Accepted
cstatus-in_progress = In progress
cstatus-result_ready = Result ready for collection
cstatus-issued = Result issued
cstatus-refused = Refused
cstatus-returned = Returned to the provider
cstatus-returned_hint = the result was not collected; it can be requested again through the State Corporation
cstatus-refused_by = refused by { $org }
refusal_kind-refusal_letter = refusal letter
refusal_kind-refusal_to_accept = receipt on refusal to accept the documents
refusal_kind-notice = notice of refusal
statuses-title = Status history
statuses-since = Since
statuses-due = Legal due date
app-comments = Comments to the applicant
app-comment_public = to the applicant
act-public_comment = Comment to the applicant
act-public_comment_hint = Optional. The applicant sees it on the application's page and in the notification.
act-note_internal = Only staff see it; never shown to the applicant.
notifications-title = Notifications
notifications-empty = No notifications.
notifications-comment = Comment: { $text }
notify-comment = Comment: { $text }
duplicate-title = There is already an open application for this service
duplicate-text = Application { $id } for the same person is still open. Confirm that you are applying again.
duplicate-confirm = Yes, I am applying again
duplicate-required = Confirm the repeated application, or open the one already made.

## The preschool queue
done-queue = Recorded.
done-places_declared = Places declared; referrals issued in queue order.
problem-queue-district = This provider keeps no preschool queue.
problem-queue-iin = The child already holds a place in this district's queue.
problem-queue-child = The child is not waiting in the queue.
problem-queue-referral = The referral is no longer valid or its term has run out.
problem-queue-count = Give from 1 to 10000 places.
problem-queue-at = No new places are published from 1 to 31 August.
problem-queue-organisation = Choose a preschool organisation of your district.
problem-queue-language = The organisation has no groups in this language.
problem-queue-group = Choose an age group.
problem-queue-category = Choose a category from the list.
problem-queue-proof_date = The document proving the category is not valid.
problem-queue-preferred = Choose organisations of your own district.
problem-queue-queue = No preschool queue is configured.
problem-forbidden-queue_district = Your organisation keeps no preschool queue.
nav-queue = Preschool queue
queue-section = Preschool queue
queue-number = Queue number:
queue-status = Status
queue-until = until
queue-district = District
queue-public_link = the district's open queue
queue-group = Age group
queue-category = Right to a place
queue-registration = Registration number
queue-registration_col = Reg. no.
queue-referral = Referral
queue-language-kk = Kazakh
queue-language-ru = Russian
queue-language_col = Group language
queue-referral_state-issued = Issued, awaiting the applicant's answer
queue-referral_state-accepted = Accepted, awaiting enrolment
queue-referral_state-enrolled = The child is enrolled
queue-referral_state-declined = Declined
queue-referral_state-lapsed = Term ran out, the place passed on
queue-accept_by = Accept no later than
queue-enrol_by = Enrol no later than
queue-accept = Accept the referral
queue-extend = Extend the enrolment term
queue-decline = Decline
queue-enrol = The child is enrolled
queue-history = How the number changed
queue-when = When
queue-number_col = Number
queue-why = Why
queue-why-own = The child entered the queue or its category changed
queue-why-joined = A child with an earlier right entered ahead
queue-why-left = A child ahead got a place or left the queue
queue-why-moved = A child ahead changed category
queue-why-turn = The referral turn passed between categories
queue-why-year = A new preschool year began
queue-status-waiting = Waiting
queue-status-stop_listed = On the stop list: no referrals
queue-status-referred = Referral issued
queue-status-enrolled = Enrolled
queue-status-withdrawn = Withdrawn
queue-status-aged_out = Left at school age
queue-public_title = Preschool queue
queue-public_intro = Each district's queue is open: the order, categories and referrals issued are visible to all, without names or IINs.
queue-district_intro = The queue number is the child's place now. Instead of a name, the registration number from the notification is shown. Referrals go first to extraordinary rights, then to priority and general by the set ratio.
queue-all_districts = All districts
queue-empty = Nobody is in this district's queue.
queue-tier = Category
queue-tier-extraordinary = Extraordinary right
queue-tier-priority = Priority right
queue-tier-general = General
queue-stop_list = on the stop list until
queue-applied = Applied
queue-referrals = Referrals issued
queue-no_referrals = No referrals yet.
queue-issued = Issued
queue-organisation = Preschool organisation
queue-rule = Why this child
queue-rank = Number when chosen
queue-rule-extraordinary = Extraordinary right: these children come first
queue-rule-ratio = The turn of "{ $tier }"
queue-rule-ratio_other = The turn of "{ $tier }", but no such child could take the place: given to "{ $given }"
queue-staff_title = Free places and referrals
queue-staff_intro = Declare free places: the first children in the queue who can take them get referrals at once.
queue-count = Places
queue-declare = Declare places
queue-open_places =
    { $count ->
        [one] { $count } place awaits a child
       *[other] { $count } places await a child
    }
queue-notice = A referral to a preschool organisation was issued: { $organisation }. Answer on the application's page.
queue-at_counter = The answer of the applicant who came in person.
queue-journal = Queue journal
queue-what = What
queue-who = Who
queue-system = the system (a term)
queue-new_category = New category
queue-proof_date = Date of the document proving the category
queue-proof_date_hint = dd.mm.yyyy; for categories whose document is valid for a limited time
queue-change_category = Change the category
queue-event-entered = Entered the queue
queue-event-category_changed = Category changed
queue-event-proof_expired = the document's validity ended
queue-event-places_declared = Places declared
queue-event-referral_issued = Referral issued
queue-event-referral_accepted = Referral accepted
queue-event-enrolment_extended = Enrolment term extended
queue-event-referral_declined = Referral declined
queue-event-referral_lapsed = Referral term ran out
queue-event-enrolled = Enrolled
queue-event-stop_list_ended = Stop list ended
queue-event-year_began = A new preschool year began
queue-event-aged_out = Left at school age
queue-event-withdrawn = Withdrawn
queue-application = Application
