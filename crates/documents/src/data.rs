//! What a document says: its kind, language and the caller's data.
//!
//! For: the generic input of every document ([`DocumentData`]): the caller (server, CLI)
//! fills it from the application, the regulation and the official's decision. Texts that
//! differ by language are [`Localized`]; field labels come from the templates.
//!
//! Not for: layout (`render`), wording (`templates/*.toml`) or deciding anything about the
//! application: a document prints what it is given.

use std::fmt;

pub use regulation::Lang;

/// The languages documents are printed in, Kazakh first.
pub const LANGS: [Lang; 2] = [Lang::Kk, Lang::Ru];

/// The language a document is printed in for a reader of `lang`: Kazakh or Russian (there are
/// no English documents; English readers get the Russian one).
pub fn printed(lang: Lang) -> Lang {
    match lang {
        Lang::Kk => Lang::Kk,
        Lang::Ru | Lang::En => Lang::Ru,
    }
}

/// A text in Kazakh and Russian.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Localized {
    /// Kazakh.
    pub kk: String,
    /// Russian.
    pub ru: String,
}

impl Localized {
    /// A text given in both languages.
    pub fn new(kk: impl Into<String>, ru: impl Into<String>) -> Self {
        Localized {
            kk: kk.into(),
            ru: ru.into(),
        }
    }

    /// A text that reads the same in both languages (numbers, names, dates).
    pub fn same(s: impl Into<String>) -> Self {
        let s = s.into();
        Localized {
            kk: s.clone(),
            ru: s,
        }
    }

    /// The text in `lang` (English reads Russian); falls back to the other language when
    /// empty.
    pub fn get(&self, lang: Lang) -> &str {
        let (first, other) = match printed(lang) {
            Lang::Kk => (&self.kk, &self.ru),
            _ => (&self.ru, &self.kk),
        };
        if first.is_empty() { other } else { first }
    }
}

impl From<&str> for Localized {
    fn from(s: &str) -> Self {
        Localized::same(s)
    }
}

impl From<String> for Localized {
    fn from(s: String) -> Self {
        Localized::same(s)
    }
}

/// One row of a document's table: `key` names its label in the template (`[labels]`), `value`
/// is printed as given. Unknown keys are printed with the key itself as the label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Label key, e.g. `queue_number`, `school`, `order_number`.
    pub key: String,
    /// The value, per language.
    pub value: Localized,
    /// The row's label when the data names it (an application field's, from the regulation)
    /// rather than the template's `[labels]`.
    pub label: Option<Localized>,
}

impl Field {
    /// A field.
    pub fn new(key: impl Into<String>, value: impl Into<Localized>) -> Self {
        Field {
            key: key.into(),
            value: value.into(),
            label: None,
        }
    }

    /// A field with its own label.
    pub fn labelled(key: impl Into<String>, label: Localized, value: impl Into<Localized>) -> Self {
        Field {
            key: key.into(),
            value: value.into(),
            label: Some(label),
        }
    }
}

/// The kinds of printed documents. Each has a template per language,
/// `templates/<kind>.<lang>.toml` (see [`DocKind::code`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocKind {
    /// Receipt of acceptance of the documents (number, barcode, documents, employee).
    AcceptanceReceipt,
    /// Receipt on refusal to accept the documents, with the grounds.
    RefusalToAcceptReceipt,
    /// Receipt of the recipient or courier for having received the result.
    ResultReceivedReceipt,
    /// Notification (хабарлама) that the service is granted.
    Notification,
    /// Notification of placement in a queue, showing the queue number.
    QueueNotification,
    /// Referral (жолдама).
    Referral,
    /// Certificate (анықтама).
    Certificate,
    /// Permission (рұқсат), e.g. a copy of the order granting it.
    Permission,
    /// Letter (хат), e.g. stating the number and date of an order.
    Letter,
    /// Duplicate (телнұсқа) of an education document.
    Duplicate,
    /// Decision (шешім).
    Decision,
    /// Resolution of an akimat (қаулы).
    Resolution,
    /// Contract (шарт).
    Contract,
    /// Motivated refusal to render the service (дәлелді бас тарту), with the grounds.
    MotivatedRefusal,
    /// A message of the portal or an information system refusing a step (authorisation,
    /// ЭЦҚ, data), with the grounds.
    Notice,
}

impl DocKind {
    /// Every kind, in a fixed order.
    pub const ALL: [DocKind; 15] = [
        DocKind::AcceptanceReceipt,
        DocKind::RefusalToAcceptReceipt,
        DocKind::ResultReceivedReceipt,
        DocKind::Notification,
        DocKind::QueueNotification,
        DocKind::Referral,
        DocKind::Certificate,
        DocKind::Permission,
        DocKind::Letter,
        DocKind::Duplicate,
        DocKind::Decision,
        DocKind::Resolution,
        DocKind::Contract,
        DocKind::MotivatedRefusal,
        DocKind::Notice,
    ];

    /// The template name: `templates/<code>.<lang>.toml`.
    pub fn code(self) -> &'static str {
        match self {
            DocKind::AcceptanceReceipt => "acceptance_receipt",
            DocKind::RefusalToAcceptReceipt => "refusal_to_accept_receipt",
            DocKind::ResultReceivedReceipt => "result_received_receipt",
            DocKind::Notification => "notification",
            DocKind::QueueNotification => "queue_notification",
            DocKind::Referral => "referral",
            DocKind::Certificate => "certificate",
            DocKind::Permission => "permission",
            DocKind::Letter => "letter",
            DocKind::Duplicate => "duplicate",
            DocKind::Decision => "decision",
            DocKind::Resolution => "resolution",
            DocKind::Contract => "contract",
            DocKind::MotivatedRefusal => "motivated_refusal",
            DocKind::Notice => "notice",
        }
    }

    /// The kind whose template name is `code`.
    pub fn from_code(code: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Whether this kind is a receipt (it may carry a Code 128 barcode).
    pub fn is_receipt(self) -> bool {
        matches!(
            self,
            DocKind::AcceptanceReceipt
                | DocKind::RefusalToAcceptReceipt
                | DocKind::ResultReceivedReceipt
        )
    }

    /// Which document prints a regulation's `[[results]]` entry, from its `kind`
    /// (`result | refusal | receipt | notice`), `id` and `name_en`.
    ///
    /// The words looked for are those the regulation files use (`referral`, `certificate`,
    /// `duplicate`, `queue`, ...); a result that names none of them prints as a
    /// [`DocKind::Notification`].
    pub fn for_result(kind: &str, id: &str, name_en: &str) -> DocKind {
        let text = format!("{id} {name_en}").to_lowercase();
        let has = |w: &str| text.contains(w);
        match kind {
            "receipt" => {
                if has("refusal") {
                    DocKind::RefusalToAcceptReceipt
                } else if has("courier") || has("received the result") || has("result_received") {
                    DocKind::ResultReceivedReceipt
                } else {
                    DocKind::AcceptanceReceipt
                }
            }
            "refusal" => {
                if has("accept") {
                    DocKind::RefusalToAcceptReceipt
                } else {
                    DocKind::MotivatedRefusal
                }
            }
            "notice" => DocKind::Notice,
            _ => {
                if has("duplicate") {
                    DocKind::Duplicate
                } else if has("queue") {
                    DocKind::QueueNotification
                } else if has("referral") {
                    DocKind::Referral
                } else if has("certificate") {
                    DocKind::Certificate
                } else if has("permission") {
                    DocKind::Permission
                } else if has("letter") {
                    DocKind::Letter
                } else if has("resolution") {
                    DocKind::Resolution
                } else if has("decision") {
                    DocKind::Decision
                } else if has("contract") {
                    DocKind::Contract
                } else {
                    DocKind::Notification
                }
            }
        }
    }
}

impl fmt::Display for DocKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Everything a document prints. Generic: the caller fills it; the template of
/// [`DocumentData::kind`] decides the wording and which rows are shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentData {
    /// Which document this is.
    pub kind: DocKind,
    /// The document's own name as the regulation gives it (e.g. the result's `name_kk` and its
    /// Russian), printed under the template's title; may be empty.
    pub title: Localized,
    /// Regulation id (e.g. `ekr-free-meals-tvet`), and its version if the caller wants it
    /// printed (e.g. `ekr-free-meals-tvet v1`).
    pub regulation_id: String,
    /// The service's name.
    pub service: Localized,
    /// The service provider (organisation) issuing the document.
    pub provider: Localized,
    /// Application id (registration number).
    pub application_id: String,
    /// The applicant's full name.
    pub applicant_name: String,
    /// The applicant's IIN (12 digits).
    pub applicant_iin: String,
    /// The document's number (receipt number, outgoing number); for receipts this is what the
    /// Code 128 barcode encodes. Empty = none.
    pub number: String,
    /// Draw [`DocumentData::number`] as a Code 128 barcode (receipts); the number must then
    /// be printable ASCII.
    pub barcode: bool,
    /// Rows of the document's table, in order.
    pub fields: Vec<Field>,
    /// Documents accepted (receipts) or listed, in order; the count is derived.
    pub documents: Vec<Localized>,
    /// Grounds of a refusal, in order.
    pub grounds: Vec<Localized>,
    /// Where and in what term the decision can be appealed (a refusal's appeal route), in
    /// order; printed under the template's `appeal_heading`.
    pub appeal: Vec<Localized>,
    /// When the document was issued (local civil time of the provider). The only time in the
    /// PDF: no clock is read.
    pub issued_at: jiff::civil::DateTime,
    /// Name of the official who signs (for receipts: the employee who accepted).
    pub signer_name: String,
    /// Base of the verification URL; the QR code encodes `{base}/verify/{code}`.
    pub verify_base_url: String,
}

impl DocumentData {
    /// The verification code of this document in `lang`: see [`crate::verification_code`].
    pub fn verification_code(&self, lang: Lang) -> String {
        crate::verify::verification_code(self, lang)
    }

    /// `{verify_base_url}/verify/{code}` (without a doubled slash).
    pub fn verification_url(&self, lang: Lang) -> String {
        format!(
            "{}/verify/{}",
            self.verify_base_url.trim_end_matches('/'),
            self.verification_code(lang)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for k in DocKind::ALL {
            assert_eq!(DocKind::from_code(k.code()), Some(k));
        }
    }

    #[test]
    fn results_map_to_kinds() {
        use DocKind::*;
        let cases = [
            (
                "result",
                "notification_queue",
                "notification of placement in the queue",
                QueueNotification,
            ),
            (
                "result",
                "duplicate_certificate",
                "duplicate of the certificate",
                Duplicate,
            ),
            (
                "result",
                "result_certificate",
                "certificate on the provision of free meals",
                Certificate,
            ),
            (
                "result",
                "result_order",
                "copy of the order granting permission",
                Permission,
            ),
            (
                "result",
                "result_letter",
                "letter stating the number",
                Letter,
            ),
            (
                "result",
                "result_payment_decision",
                "decision assigning payment",
                Decision,
            ),
            (
                "result",
                "result_resolution",
                "resolution of the akimat",
                Resolution,
            ),
            (
                "result",
                "result_contract",
                "contract on transferring the child",
                Contract,
            ),
            (
                "result",
                "referral_dormitory",
                "referral for the provision of a dormitory",
                Referral,
            ),
            (
                "result",
                "notification_free_meals",
                "notification on granting free meals",
                Notification,
            ),
            (
                "refusal",
                "refusal_motivated",
                "motivated refusal",
                MotivatedRefusal,
            ),
            (
                "refusal",
                "refusal_to_accept",
                "refusal to accept the application",
                RefusalToAcceptReceipt,
            ),
            (
                "receipt",
                "receipt_refusal_to_accept",
                "receipt on refusal to accept",
                RefusalToAcceptReceipt,
            ),
            (
                "receipt",
                "receipt_courier",
                "receipt of the State Corporation courier",
                ResultReceivedReceipt,
            ),
            (
                "receipt",
                "receipt_acceptance",
                "receipt of acceptance",
                AcceptanceReceipt,
            ),
            (
                "receipt",
                "receipt_documents_received",
                "receipt that the documents were received",
                AcceptanceReceipt,
            ),
            (
                "notice",
                "notice_eds_not_authentic",
                "message refusing",
                Notice,
            ),
        ];
        for (kind, id, name, want) in cases {
            assert_eq!(DocKind::for_result(kind, id, name), want, "{id}");
        }
    }

    #[test]
    fn localized_falls_back() {
        let l = Localized::new("", "Текст");
        assert_eq!(l.get(Lang::Kk), "Текст");
        assert_eq!(l.get(Lang::Ru), "Текст");
    }
}
