# Who may do what to which resource: the one authorization model of the API (REST routes, tus
# uploads, the events and signaling WebSockets), the worker and the gateway (docs/decisions/013).
# Evaluated in-process from the same wasm module as the gateway policy (entrypoint
# feedback/access/decision). Input (snake_case):
#   action   e.g. "session.read_transcript" (the list is `actions` below)
#   subject  {kind: "user", org_id, user_id, roles[], supervisees[]}
#            | {kind: "guest", org_id, guest_id, session_id}
#   resource {type: "org", org_id}
#            | {type: "session", org_id, id, created_by}
#            | {type: "upload", org_id, uploaded_by, session: <a session resource>}
# Output of `decision`: {allow, reasons[], visible, audit}. `visible` says whether the subject may
# know the session exists at all: a denied subject that may not read it is told 404, not 403.
# `audit` asks the caller to record the decision (every denial, every read of health data).
package feedback.access

# Every value is read so that it is never undefined (see gateway.rego: a negated test on an
# undefined value does not succeed, so a missing field must not skip a denial).
subject := input.subject if is_object(input.subject)

else := {}

resource := input.resource if is_object(input.resource)

else := {}

action := input.action if is_string(input.action)

else := ""

sfield(key) := object.get(subject, key, null)

strings_of(value) := {s | some s in value; is_string(s)} if is_array(value)

else := set()

roles := strings_of(sfield("roles"))

supervisees := strings_of(sfield("supervisees"))

user_id := sfield("user_id") if {
	sfield("kind") == "user"
	is_string(sfield("user_id"))
}

# Actions on the org as a whole, and the roles that may take them.
org_grants := {
	"rubrics.read": {"clinician", "supervisor", "org_admin", "auditor"},
	"session.create": {"clinician", "org_admin"},
	# The list is filtered per session with session.read.
	"session.list": {"clinician", "supervisor", "org_admin", "auditor"},
	# Each event is delivered only to subscribers who may session.read its session.
	"events.subscribe": {"clinician", "supervisor", "org_admin", "auditor"},
	# The session audit trail (GET /v1/audit/events): ids and decisions, no clinical content.
	"audit.read": {"org_admin", "auditor"},
	"ai_admin.read": {"org_admin", "auditor"},
	"ai_admin.write": {"org_admin"},
	# The org's identity settings (desktop session lifetimes): its admin alone, reading too.
	"org_settings.read": {"org_admin"},
	"org_settings.write": {"org_admin"},
	# An AI call on behalf of a user without a session (with one: session.evaluate decides).
	"gateway.call": {"clinician", "org_admin"},
}

owner_actions := {
	"session.read", "session.update", "session.consent", "session.invite", "session.upload",
	"session.evaluate", "session.read_transcript", "session.read_analysis", "session.read_report",
	"session.delete", "upload.create", "gateway.call",
}

# Acting on the consultation itself: attesting the participants' consent, inviting the patient to
# the call, uploading its recording, starting its evaluation. Only whoever created the session does
# these (decision 033): an org admin administers other clinicians' sessions, never acts in them.
clinical_actions := {"session.consent", "session.invite", "session.upload", "upload.create", "session.evaluate"}

# What each relation between a subject and a session allows.
session_grants := {
	# The clinician who created the session.
	"owner": owner_actions,
	# A supervisor reads the sessions of the clinicians assigned to them, and changes nothing.
	"supervisor": {"session.read", "session.read_transcript", "session.read_analysis", "session.read_report"},
	# Reads, deletes (erasure) and the AI calls of any session of the org; no clinical act on another's.
	"org_admin": owner_actions - clinical_actions,
	# Audits the process, not the consultation: finds sessions and reads their metadata (and the
	# audit trail, an org action), never their clinical content. The report quotes the transcript
	# as evidence, so it is refused like the transcript (decision 034).
	"auditor": {"session.read"},
	# The owner seat of the call and the clinical acts belong to whoever created the session (a
	# clinician, or an org admin who created their own), nobody else.
	"creator": {"call.join_owner"} | clinical_actions,
	# A guest's pass opens exactly their own call.
	"guest": {"call.join_guest"},
}

# The tus requests after creation: only the uploader, while they may still upload to the session
# (an org admin may also look at or cancel anyone's upload).
upload_actions := {"upload.patch", "upload.head", "upload.delete"}

actions := (({a | some a, _ in org_grants} | {a | some _, g in session_grants; some a in g}) | upload_actions) | {"me.read"}

same_org(res) if {
	is_string(sfield("org_id"))
	sfield("org_id") == object.get(res, "org_id", null)
}

is_session(res) if {
	object.get(res, "type", null) == "session"
	is_string(object.get(res, "id", null))
}

created_by(res) := object.get(res, "created_by", null)

has_relation("owner", res) if {
	"clinician" in roles
	created_by(res) == user_id
}

has_relation("creator", res) if {
	some r in {"clinician", "org_admin"}
	r in roles
	created_by(res) == user_id
}

has_relation("supervisor", res) if {
	"supervisor" in roles
	is_string(user_id)
	created_by(res) in supervisees
}

has_relation("org_admin", _) if {
	is_string(user_id)
	"org_admin" in roles
}

has_relation("auditor", _) if {
	is_string(user_id)
	"auditor" in roles
}

has_relation("guest", res) if {
	sfield("kind") == "guest"
	is_string(sfield("session_id"))
	sfield("session_id") == object.get(res, "id", null)
}

relations(res) := {rel | some rel, _ in session_grants; has_relation(rel, res)}

session_permits(act, res) if {
	is_session(res)
	same_org(res)
	some rel in relations(res)
	act in session_grants[rel]
}

default allow := false

allow if {
	action == "me.read"
	is_string(user_id)
	object.get(resource, "type", null) == "org"
	same_org(resource)
}

allow if {
	object.get(resource, "type", null) == "org"
	same_org(resource)
	is_string(user_id)
	some r in roles
	r in org_grants[action]
}

allow if session_permits(action, resource)

upload_session := object.get(resource, "session", {})

allow if {
	action in {"upload.patch", "upload.head"}
	object.get(resource, "type", null) == "upload"
	same_org(resource)
	object.get(resource, "uploaded_by", null) == user_id
	session_permits("upload.create", upload_session)
}

allow if {
	action == "upload.delete"
	object.get(resource, "type", null) == "upload"
	same_org(resource)
	object.get(resource, "uploaded_by", null) == user_id
}

# An org admin may look at or cancel anyone's unfinished upload, never write bytes into it (the
# recording would stay recorded as the uploader's).
allow if {
	action in {"upload.head", "upload.delete"}
	object.get(resource, "type", null) == "upload"
	same_org(resource)
	is_string(user_id)
	"org_admin" in roles
}

# Whether the subject may know the session (or the upload's session) exists.
default visible := false

visible if session_permits("session.read", resource)

visible if session_permits("call.join_guest", resource)

visible if session_permits("session.read", upload_session)

visible if object.get(resource, "type", null) == "org"

reasons contains "input field action is missing or not a string" if action == ""

reasons contains msg if {
	action != ""
	not action in actions
	msg := concat("", ["action ", action, " is not known"])
}

reasons contains "the resource belongs to another organisation (or none)" if not same_org(resource)

reasons contains msg if {
	action in actions
	same_org(resource)
	not allow
	msg := concat("", [
		"roles [", concat(", ", sort(roles)), "] of ", text(sfield("kind")), " ", text(object.get(subject, "user_id", object.get(subject, "guest_id", null))),
		" do not allow ", action, " on this ", text(object.get(resource, "type", null)),
	])
}

# Reads of health data, and of who the participants are (session.read returns their names; the
# list is audited by its route, one record naming the sessions it returned).
audited_reads := {"session.read", "session.read_transcript", "session.read_analysis", "session.read_report"}

default audit := true

audit := false if {
	allow
	not action in audited_reads
}

decision := {
	"allow": allow,
	"reasons": sort(reasons),
	"visible": visible,
	"audit": audit,
}

text(value) := value if is_string(value)

else := "?"
