package wire

// The reasons a server gives when the admin gave none. They go over the
// wire as text, in English; a client that knows them shows them in its
// interface's language.
const (
	ReasonKicked  = "removed by the administrator"
	ReasonBanned  = "banned by the administrator"
	ReasonMuted   = "muted by the administrator"
	ReasonLecture = "only the administrator's announcements are posted"
)
