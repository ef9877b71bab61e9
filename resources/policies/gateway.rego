# The gateway asks this policy once per call and candidate provider. Input (snake_case):
#   org_id, role, purpose, kind ("chat" | "stt"), model, provider {id, kind, region},
#   max_tokens (number | null), redaction_available (bool), org_settings (object, may be absent).
# Output of `decision`: {allow, reasons[], redact, restore_kinds[], max_tokens}.
#
# Defaults live in data.gateway_policy (data.json). An org's settings are merged over them with
# object.union: objects merge key by key, any other value (lists too) replaces the default, and a
# purpose set to null is switched off for that org. Two things an org cannot loosen, because they
# are read from the defaults only: the read-only roles, and which provider kinds are exempt from
# redaction (an org may only make redaction stricter, with redaction.always = true).
package feedback.gateway

defaults := data.gateway_policy

# Every value is read through object.get (or a rule with an else) so that it is never undefined:
# in OPA a negated call on an undefined argument (`not input.role in roles`, `not
# is_string(input.x)`) does not succeed, so a missing field would otherwise slip past a denial.
field(key) := object.get(input, key, null)

provider_field(key) := object.get(input.provider, key, null) if is_object(input.provider)

else := null

org_settings := input.org_settings if is_object(input.org_settings)

else := {}

settings := object.union(defaults, org_settings)

purpose := settings.purposes[field("purpose")] if is_object(settings.purposes[field("purpose")])

else := {}

purpose_defined if is_object(settings.purposes[field("purpose")])

purpose_field(key, fallback) := object.get(purpose, key, fallback)

purpose_list(key) := purpose[key] if is_array(purpose[key])

else := []

allowed_regions := settings.allowed_regions if is_array(settings.allowed_regions)

else := []

default redact := false

redact if not provider_field("kind") in defaults.redaction.exempt_provider_kinds

redact if defaults.redaction.always == true

redact if org_settings.redaction.always == true

default max_tokens := 0

max_tokens := purpose.max_tokens if is_number(purpose.max_tokens)

restore_kinds := purpose_list("restore_kinds")

required_text := ["org_id", "role", "purpose", "kind", "model"]

reasons contains msg if {
	some key in required_text
	not is_string(field(key))
	msg := concat("", ["input field ", key, " is missing or not a string"])
}

reasons contains msg if {
	some key in ["id", "kind", "region"]
	not is_string(provider_field(key))
	msg := concat("", ["input field provider.", key, " is missing or not a string"])
}

reasons contains msg if {
	is_string(field("purpose"))
	not purpose_defined
	msg := concat("", ["purpose ", field("purpose"), " is not enabled for org ", text(field("org_id"))])
}

reasons contains msg if {
	purpose_defined
	purpose_field("kind", null) != field("kind")
	msg := concat("", [
		"purpose ", field("purpose"), " serves ", text(purpose_field("kind", null)),
		" calls, not ", text(field("kind")),
	])
}

reasons contains msg if {
	field("role") in defaults.read_only_roles
	msg := concat("", ["role ", field("role"), " is read-only and may not call AI providers"])
}

reasons contains msg if {
	purpose_defined
	is_string(field("role"))
	not field("role") in defaults.read_only_roles
	not field("role") in purpose_list("roles")
	msg := concat("", ["role ", field("role"), " may not call purpose ", field("purpose")])
}

reasons contains msg if {
	purpose_defined
	is_string(field("model"))
	not field("model") in purpose_list("models")
	msg := concat("", ["model ", field("model"), " is not allowed for purpose ", field("purpose")])
}

reasons contains msg if {
	is_string(provider_field("region"))
	not provider_field("region") in allowed_regions
	msg := concat("", [
		"provider ", text(provider_field("id")), " is in region ", provider_field("region"),
		", outside the allowed regions (", concat(", ", allowed_regions), ")",
	])
}

# Over the limit is refused, not clamped: a caller that asked for more output would otherwise get
# a silently truncated answer (for structured output, invalid JSON).
reasons contains msg if {
	field("kind") == "chat"
	is_number(field("max_tokens"))
	field("max_tokens") > max_tokens
	msg := concat("", [
		"max_tokens ", format_int(field("max_tokens"), 10), " exceeds the limit ",
		format_int(max_tokens, 10), " for purpose ", text(field("purpose")),
	])
}

# Audio cannot be redacted: where redaction is required, the org must opt in per purpose
# (allow_unredacted) before raw data may leave.
reasons contains msg if {
	redact
	field("redaction_available") != true
	purpose_field("allow_unredacted", false) != true
	msg := concat("", [
		"PHI redaction is required for provider ", text(provider_field("id")),
		" but this call cannot be redacted",
	])
}

decision := {
	"allow": count(reasons) == 0,
	"reasons": sort(reasons),
	"redact": redact,
	"restore_kinds": restore_kinds,
	"max_tokens": max_tokens,
}

text(value) := value if is_string(value)

else := "(missing)"
