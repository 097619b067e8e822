package server

// News is what a Notice reports, as facts a window words in its own
// language (the Notice's Text is the English, for the console and logs):
// FileOfferNews, FileRelayNews, AskedNews, AnnouncedNews, ReleasedNews,
// TopicNews, OperFailedNews.
type News interface{ isNews() }

// FileOfferNews: From offers the file Name (Size bytes) to Room, or to the
// user To when Room is "".
type FileOfferNews struct {
	From, Name string
	Size       uint64
	Room, To   string
}

// FileRelayNews: From's file Name (Size bytes) reached To in full.
type FileRelayNews struct {
	From, Name string
	Size       uint64
	To         string
}

// AskedNews: the administrator's command Op ("kick") on Nick, a member of
// another server of the cluster, was sent to that server (Server, its
// name) to carry out.
type AskedNews struct{ Op, Nick, Server string }

// AnnouncedNews: the administrator of another server of the cluster
// (Server) announced Text; this server showed it to its users.
type AnnouncedNews struct{ Server, Text string }

// ReleasedNews: the nickname Nick, held by no device here, was released
// on every server of the cluster.
type ReleasedNews struct{ Nick string }

// TopicNews: the room operator (or server operator) By set Room's topic
// to Text ("": removed it), on the cluster's server Server ("": this one).
type TopicNews struct{ Room, Text, By, Server string }

// OperFailedNews: Nick, from the address Addr, gave a wrong operator name
// or password.
type OperFailedNews struct{ Nick, Addr string }

func (FileOfferNews) isNews()  {}
func (FileRelayNews) isNews()  {}
func (AskedNews) isNews()      {}
func (AnnouncedNews) isNews()  {}
func (ReleasedNews) isNews()   {}
func (TopicNews) isNews()      {}
func (OperFailedNews) isNews() {}
