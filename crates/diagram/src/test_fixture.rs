//! A small hand-written regulation for the renderers' unit tests: three flows (office, State
//! Corporation handing over to the office flow, portal with a condition), branches (to an end,
//! converging on the next step, to a failure-only step), durations in several units, a
//! contradiction, and text that needs escaping.

use regulation::Regulation;

pub(crate) const TOML: &str = r#"
schema = 1
id = "test-free-meals"
version = 1
region = "East Kazakhstan"

[source]
seed = "000_test.txt"
part = 1
lines = "L1-L100"

[title]
kk = "Тегін тамақтандыру"
ru = "Бесплатное питание"
en = "Free meals & \"snacks\" <test>"
source = "L1"

[act]
issuer = "akimat"
kind = "resolution"
number = "1"
date = "2019-07-11"
source = "L2"

[status]
state = "in_force"
source = "L3"

[[providers]]
id = "college"
kk = "колледж"
en = "college"
source = "L4"

[[channels]]
id = "office"
accepts = true
issues = true
source = "L5"

[[channels]]
id = "state_corporation"
accepts = true
issues = true
source = "L5"

[[channels]]
id = "portal"
accepts = true
issues = true
source = "L5"

[[roles]]
id = "office_clerk"
kk = "кеңсе қызметкері"
en = "office employee of the provider"
source = "L6"

[[roles]]
id = "head"
kk = "басшы"
en = "head of the provider"
source = "L6"

[[roles]]
id = "state_corporation_operator"
kk = "Мемлекеттік корпорация қызметкері"
en = "State Corporation employee"
source = "L6"

[[roles]]
id = "applicant"
kk = "көрсетілетін қызметті алушы"
en = "applicant"
source = "L6"

[[roles]]
id = "portal"
kind = "system"
kk = "портал"
en = "portal"
source = "L6"

[flows.office]
channel = "office"
source = "L10-L20"

[[flows.office.steps]]
n = 1
kind = "action"
label = "1-ші іс-қимыл"
role = "office_clerk"
text_en = "Accepts & registers <documents>"
input = "application"
output = "registered documents"
duration = { value = 20, unit = "minutes" }
source = "L10"

  [[flows.office.steps.branches]]
  kind = "refuse_acceptance"
  result = "receipt_refusal"
  condition_en = "incomplete package"
  source = "L11"

  [[flows.office.steps.alternatives]]
  field = "duration"
  duration = { value = 30, unit = "minutes" }
  source = "L12"
  note = "para 8 says 30 minutes"

[[flows.office.steps]]
n = 2
kind = "action"
role = "head"
text_en = "Decides and signs the notification or the motivated refusal"
input = "registered documents"
output = "signed result"
duration = { value = 9, unit = "calendar_days" }
source = "L13"

  [[flows.office.steps.branches]]
  kind = "motivated_refusal"
  result = "motivated_refusal"
  condition_en = "grounds of para 10 of the Standard"
  goto = 3
  source = "L14"

[[flows.office.steps]]
n = 3
kind = "action"
role = "office_clerk"
text_en = "Issues the result"
input = "signed result"
output = "issued result"
duration = { value = 15, unit = "minutes" }
produces = ["notification", "motivated_refusal"]
source = "L15"

[flows.state_corporation]
channel = "state_corporation"
source = "L30-L40"

[[flows.state_corporation.steps]]
n = 1
kind = "action"
role = "state_corporation_operator"
text_en = "Accepts the documents and issues a receipt"
input = "application"
output = "accepted documents"
duration = { value = 30, unit = "seconds" }
source = "L30"

[[flows.state_corporation.steps]]
n = 2
kind = "provider_flow"
flow = "office"
text_en = "The provider runs its flow"
source = "L31"

[[flows.state_corporation.steps]]
n = 3
kind = "action"
role = "state_corporation_operator"
text_en = "Issues the result"
input = "result from the provider"
output = "issued result"
duration = { value = 2, unit = "working_days" }
produces = ["notification"]
source = "L32"

[flows.portal]
channel = "portal"
source = "L50-L60"

[[flows.portal.steps]]
n = 1
kind = "process"
label = "Process 1"
role = "applicant"
text_en = "Signs the request with an EDS"
source = "L50"

[[flows.portal.steps]]
n = 2
kind = "condition"
label = "Condition 1"
role = "portal"
text_en = "Checks the credentials"
checks = ["credentials"]
source = "L51"

  [[flows.portal.steps.branches]]
  kind = "refusal_notice"
  result = "notice_auth"
  condition_en = "credentials not confirmed"
  goto = 3
  source = "L52"

[[flows.portal.steps]]
n = 3
kind = "process"
label = "Process 2"
role = "portal"
text_en = "Forms the notice refusing authorisation"
source = "L53"

  [[flows.portal.steps.branches]]
  kind = "stop"
  condition_en = "reached only when Condition 1 fails"
  source = "L53"

[[flows.portal.steps]]
n = 4
kind = "process"
label = "Process 3"
role = "portal"
text_en = "Sends the result to the applicant's account"
produces = ["notification"]
source = "L54"

[terms.office]
value = 10
unit = "working_days"
from_en = "from handing the documents over"
source = "L20"

[[results]]
id = "notification"
kind = "result"
name_en = "notification on free meals"
source = "L7"

[[results]]
id = "motivated_refusal"
kind = "refusal"
name_en = "motivated refusal"
source = "L7"

[[results]]
id = "receipt_refusal"
kind = "receipt"
name_en = "receipt on refusal to accept"
source = "L7"

[[results]]
id = "notice_auth"
kind = "notice"
name_en = "notice: authorisation refused"
source = "L7"
"#;

pub(crate) fn regulation() -> Regulation {
    toml::from_str(TOML).expect("the test regulation parses")
}

/// The fixture with odd corners a renderer must survive: a flow without steps under a
/// non-ASCII id, a step without a role, a branch back to an earlier step, a branch to a step
/// that does not exist.
pub(crate) fn odd_regulation() -> Regulation {
    let mut t = TOML.replace(
        "produces = [\"notification\"]\nsource = \"L54\"",
        "produces = [\"notification\"]\nsource = \"L54\"\n\n  [[flows.portal.steps.branches]]\n  kind = \"refusal_notice\"\n  result = \"notice_auth\"\n  condition_en = \"sent back\"\n  goto = 1\n  source = \"L55\"\n\n  [[flows.portal.steps.branches]]\n  kind = \"stop\"\n  goto = 99\n  source = \"L56\"",
    );
    t.push_str(
        r#"
[flows."қосымша маршрут"]
channel = "intermediary"
source = "L70"

[flows.roleless]
channel = "intermediary"
source = "L71"

[[flows.roleless.steps]]
n = 1
kind = "action"
text_en = "Someone does something"
source = "L71"
"#,
    );
    toml::from_str(&t).expect("the odd regulation parses")
}
