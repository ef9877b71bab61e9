# Unit tests on OPA's own evaluator (`policy-compiler test`); the vitest access matrix checks the
# wasm build through the real API.
package feedback.access_test

import data.feedback.access

org := "org-1"

session := {"type": "session", "org_id": org, "id": "s-1", "created_by": "u-owner"}

org_resource := {"type": "org", "org_id": org}

user(id, roles) := {"kind": "user", "org_id": org, "user_id": id, "roles": roles, "supervisees": []}

owner := user("u-owner", ["clinician"])

other_clinician := user("u-other", ["clinician"])

supervisor := object.union(user("u-sup", ["supervisor"]), {"supervisees": ["u-owner"]})

unassigned_supervisor := object.union(user("u-sup2", ["supervisor"]), {"supervisees": ["u-other"]})

admin := user("u-admin", ["org_admin"])

auditor := user("u-aud", ["auditor"])

guest := {"kind": "guest", "org_id": org, "guest_id": "g-1", "session_id": "s-1"}

decide(act, sub, res) := d if {
	d := access.decision with input as {"action": act, "subject": sub, "resource": res}
}

test_owner_reads_and_changes_their_session if {
	every act in ["session.read", "session.consent", "session.invite", "session.upload", "session.evaluate", "session.read_transcript", "call.join_owner"] {
		decide(act, owner, session).allow
	}
}

test_another_clinician_may_not_even_see_the_session if {
	every act in ["session.read", "session.read_transcript", "session.consent", "session.invite", "session.evaluate", "upload.create", "call.join_owner"] {
		d := decide(act, other_clinician, session)
		not d.allow
		not d.visible
		d.audit
	}
}

test_a_supervisor_reads_only_assigned_clinicians_sessions if {
	decide("session.read_analysis", supervisor, session).allow
	not decide("session.read_analysis", unassigned_supervisor, session).allow
	not decide("session.read", unassigned_supervisor, session).visible
}

test_a_supervisor_changes_nothing_but_is_told_the_session_exists if {
	d := decide("session.consent", supervisor, session)
	not d.allow
	d.visible
}

test_an_auditor_reads_metadata_and_no_clinical_content if {
	decide("session.read", auditor, session).allow
	not decide("session.read_report", auditor, session).allow
	decide("session.read_report", auditor, session).visible
	not decide("session.read_transcript", auditor, session).allow
	not decide("session.read_analysis", auditor, session).allow
	not decide("upload.create", auditor, session).allow
	decide("ai_admin.read", auditor, org_resource).allow
	not decide("ai_admin.write", auditor, org_resource).allow
	not decide("org_settings.read", auditor, org_resource).allow
	decide("audit.read", auditor, org_resource).allow
	decide("audit.read", admin, org_resource).allow
	not decide("audit.read", owner, org_resource).allow
}

test_only_the_org_admin_reads_and_sets_identity_settings if {
	decide("org_settings.read", admin, org_resource).allow
	decide("org_settings.write", admin, org_resource).allow
	not decide("org_settings.write", owner, org_resource).allow
	not decide("org_settings.read", supervisor, org_resource).allow
}

test_an_org_admin_administers_but_does_not_act_clinically_on_another_clinicians_session if {
	decide("session.read", admin, session).allow
	decide("session.read_report", admin, session).allow
	decide("session.delete", admin, session).allow
	not decide("session.consent", admin, session).allow
	not decide("session.invite", admin, session).allow
	not decide("session.evaluate", admin, session).allow
	not decide("upload.create", admin, session).allow
	decide("session.consent", owner, session).allow
	decide("session.evaluate", owner, session).allow
	own := object.union(session, {"created_by": "u-admin"})
	decide("session.consent", admin, own).allow
	decide("session.invite", admin, own).allow
	decide("session.evaluate", admin, own).allow
	decide("upload.create", admin, own).allow
}

test_the_owner_seat_is_the_creators_alone if {
	not decide("call.join_owner", admin, session).allow
	decide("session.read", admin, session).allow
	decide("call.join_guest", guest, session).allow
	not decide("call.join_owner", guest, session).allow
	not decide("call.join_guest", guest, object.union(session, {"id": "s-2"})).allow
}

test_another_org_is_denied_everything if {
	d := decide("session.read", owner, object.union(session, {"org_id": "org-2"}))
	not d.allow
	not d.visible
	d.reasons == ["the resource belongs to another organisation (or none)"]
}

test_a_user_without_a_role_gets_nothing_but_who_they_are if {
	nobody := user("u-none", [])
	decide("me.read", nobody, org_resource).allow
	not decide("events.subscribe", nobody, org_resource).allow
	not decide("session.list", nobody, org_resource).allow
}

test_reads_of_health_data_and_every_denial_are_audited if {
	decide("session.read_transcript", owner, session).audit
	decide("session.read_report", owner, session).audit
	decide("session.read_report", auditor, session).audit
	decide("session.read", owner, session).audit
	decide("session.read", other_clinician, session).audit
	not decide("session.update", owner, session).audit
	not decide("rubrics.read", owner, org_resource).audit
}

test_uploads_after_creation_belong_to_their_uploader if {
	upload := {"type": "upload", "org_id": org, "uploaded_by": "u-owner", "session": session}
	decide("upload.patch", owner, upload).allow
	not decide("upload.head", other_clinician, upload).allow
	not decide("upload.delete", user("u-none", []), upload).allow
	decide("upload.delete", admin, upload).allow
	decide("upload.head", admin, upload).allow
	not decide("upload.patch", admin, upload).allow
}

test_missing_or_malformed_fields_deny if {
	not decide("session.read", {"kind": "user", "org_id": org, "user_id": "u-owner", "roles": "clinician"}, session).allow
	not decide("session.read", {"kind": "user", "org_id": org, "roles": ["clinician"]}, object.union(session, {"created_by": null})).allow
	not decide("session.read", owner, {"type": "session", "org_id": org, "created_by": "u-owner"}).allow
	d := access.decision with input as {}
	not d.allow
	"input field action is missing or not a string" in d.reasons
}

test_unknown_actions_are_denied if {
	d := decide("session.steal", owner, session)
	not d.allow
	"action session.steal is not known" in d.reasons
}
