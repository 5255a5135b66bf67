//! What saving a connection form over a saved profile would change, in words: the
//! confirmation lists it before anything is overwritten.

use crate::mqtt::ConnectionForm;

fn shown(value: &str) -> String {
    if value.is_empty() {
        "(empty)".into()
    } else {
        value.into()
    }
}

fn yes_no(b: bool) -> String {
    if b { "on" } else { "off" }.into()
}

/// Each field that differs, as "Label: old → new" (passwords are never saved, so never
/// compared).
pub fn form_changes(old: &ConnectionForm, new: &ConnectionForm) -> Vec<String> {
    let subs = |f: &ConnectionForm| {
        f.subscriptions
            .iter()
            .map(|s| format!("{} (QoS {})", s.filter, s.qos.as_u8()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let rules = |f: &ConnectionForm| {
        f.decoders
            .iter()
            .map(|r| format!("{} = {}", r.filter, r.decoder))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let fields: [(&str, String, String); 24] = [
        ("Host", shown(&old.host), shown(&new.host)),
        ("Port", shown(&old.port), shown(&new.port)),
        (
            "Transport",
            format!("{:?}", old.transport),
            format!("{:?}", new.transport),
        ),
        (
            "MQTT",
            old.version.label().into(),
            new.version.label().into(),
        ),
        ("Client id", shown(&old.client_id), shown(&new.client_id)),
        ("User name", shown(&old.username), shown(&new.username)),
        (
            "Remember the password",
            yes_no(old.remember_password),
            yes_no(new.remember_password),
        ),
        (
            "Keep-alive (s)",
            shown(&old.keep_alive_s),
            shown(&new.keep_alive_s),
        ),
        ("Subscriptions", shown(&subs(old)), shown(&subs(new))),
        ("WebSocket path", shown(&old.ws_path), shown(&new.ws_path)),
        ("CA file", shown(&old.ca_file), shown(&new.ca_file)),
        (
            "Client certificate",
            shown(&old.cert_file),
            shown(&new.cert_file),
        ),
        ("Client key", shown(&old.key_file), shown(&new.key_file)),
        (
            "Server name",
            shown(&old.server_name),
            shown(&new.server_name),
        ),
        ("ALPN", shown(&old.alpn), shown(&new.alpn)),
        (
            "Accept any certificate",
            yes_no(old.insecure),
            yes_no(new.insecure),
        ),
        (
            "Clean session",
            yes_no(old.clean_session),
            yes_no(new.clean_session),
        ),
        (
            "Session expiry (s)",
            shown(&old.session_expiry_s),
            shown(&new.session_expiry_s),
        ),
        ("Will topic", shown(&old.will_topic), shown(&new.will_topic)),
        (
            "Will payload",
            shown(&old.will_payload),
            shown(&new.will_payload),
        ),
        (
            "Will QoS",
            old.will_qos.as_u8().to_string(),
            new.will_qos.as_u8().to_string(),
        ),
        (
            "Will retained",
            yes_no(old.will_retain),
            yes_no(new.will_retain),
        ),
        (
            "Will delay (s)",
            shown(&old.will_delay_s),
            shown(&new.will_delay_s),
        ),
        ("Decoder rules", shown(&rules(old)), shown(&rules(new))),
    ];
    fields
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(label, a, b)| format!("{label}: {a} → {b}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_fields_are_listed_old_to_new() {
        let old = ConnectionForm {
            port: "1884".into(),
            username: "alice".into(),
            ..ConnectionForm::default()
        };
        let new = ConnectionForm::default();
        assert_eq!(
            form_changes(&old, &new),
            ["Port: 1884 → 1883", "User name: alice → (empty)"]
        );
        assert!(form_changes(&new, &new.clone()).is_empty());
        let decoding = ConnectionForm {
            decoders: vec![crate::model::decode::rules::DecoderRule::new(
                "plant/#",
                "gzip+json",
            )],
            ..ConnectionForm::default()
        };
        assert_eq!(
            form_changes(&new, &decoding),
            ["Decoder rules: (empty) → plant/# = gzip+json"]
        );
        let typed_password = ConnectionForm {
            password: "secret".into(),
            ..ConnectionForm::default()
        };
        assert!(
            form_changes(&new, &typed_password).is_empty(),
            "never saved"
        );
    }
}
