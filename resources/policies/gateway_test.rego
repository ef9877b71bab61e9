# Unit tests on OPA's own evaluator (`policy-compiler test`); the vitest suite checks the wasm build.
package feedback.gateway_test

import data.feedback.gateway

base := {
	"org_id": "org-1",
	"role": "service",
	"purpose": "rubric_analysis",
	"kind": "chat",
	"model": "qwen2.5-coder-1.5b-instruct",
	"provider": {"id": "local", "kind": "local", "region": "local"},
	"max_tokens": null,
	"redaction_available": true,
}

remote := object.union(base, {"provider": {"id": "openai-eu", "kind": "openai", "region": "eu"}})

test_local_rubric_call_is_allowed_without_redaction if {
	d := gateway.decision with input as base
	d.allow
	d.reasons == []
	d.redact == false
	d.max_tokens == 4096
	d.restore_kinds == ["PERSON"]
}

test_remote_provider_requires_redaction if {
	d := gateway.decision with input as remote
	d.allow
	d.redact == true
}

test_unknown_model_is_denied if {
	d := gateway.decision with input as object.union(base, {"model": "gpt-4o"})
	not d.allow
	d.reasons == ["model gpt-4o is not allowed for purpose rubric_analysis"]
}

test_auditor_is_denied_even_when_an_org_lists_it if {
	call := object.union(base, {"role": "auditor", "org_settings": {"purposes": {"rubric_analysis": {"roles": ["auditor"]}}}})
	d := gateway.decision with input as call
	d.reasons == ["role auditor is read-only and may not call AI providers"]
}

test_org_cannot_exempt_remote_providers_from_redaction if {
	call := object.union(remote, {"org_settings": {"redaction": {"exempt_provider_kinds": ["openai"]}}})
	d := gateway.decision with input as call
	d.redact == true
}

test_missing_fields_fail_closed if {
	d := gateway.decision with input as {"purpose": "rubric_analysis"}
	not d.allow
	count(d.reasons) >= 3
}

test_org_purpose_without_a_model_list_allows_no_model if {
	call := object.union(base, {"purpose": "draft_assist", "role": "clinician", "org_settings": {"purposes": {"draft_assist": {"kind": "chat", "roles": ["clinician"]}}}})
	d := gateway.decision with input as call
	d.reasons == ["model qwen2.5-coder-1.5b-instruct is not allowed for purpose draft_assist"]
}

test_unredactable_remote_call_is_denied_unless_the_purpose_opts_in if {
	stt := object.union(remote, {"purpose": "transcription", "kind": "stt", "model": "whisper-tiny.en", "redaction_available": false})
	denied := gateway.decision with input as stt
	denied.reasons == ["PHI redaction is required for provider openai-eu but this call cannot be redacted"]
	opted := gateway.decision with input as object.union(stt, {"org_settings": {"purposes": {"transcription": {"allow_unredacted": true}}}})
	opted.allow
}
