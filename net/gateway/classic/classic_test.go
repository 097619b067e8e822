package classic_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/gateway"
	"github.com/multichat/multichat/net/gateway/classic"
	. "github.com/multichat/multichat/net/gateway/gatewaytest"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/wire"
)

// seedClient behaves as the seed-001 Python client does (written from its
// description, not its code): it sends JOIN with its username, then TEXT for
// whatever its user types (commands included) and FILE "filename::bytes";
// every frame it receives becomes the line it would print.
type seedClient struct {
	t     *testing.T
	nc    net.Conn
	lines chan string
}

func dialSeed(t *testing.T, addr, user string) *seedClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c := &seedClient{t: t, nc: nc, lines: make(chan string, 256)}
	t.Cleanup(func() { nc.Close() })
	c.send(0x03, []byte(user))
	go c.receive()
	return c
}

func (c *seedClient) send(typ byte, payload []byte) {
	c.t.Helper()
	b := binary.BigEndian.AppendUint32(nil, uint32(1+len(payload)))
	b = append(append(b, typ), payload...)
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatalf("seed client: send: %v", err)
	}
}

func (c *seedClient) say(text string) { c.send(0x01, []byte(text)) }

// receive prints as the seed client does; it ends on /quit_ack or when the
// connection closes.
func (c *seedClient) receive() {
	defer close(c.lines)
	for {
		var hdr [4]byte
		if _, err := io.ReadFull(c.nc, hdr[:]); err != nil {
			c.lines <- "Disconnected from server."
			return
		}
		msg := make([]byte, binary.BigEndian.Uint32(hdr[:]))
		if _, err := io.ReadFull(c.nc, msg); err != nil {
			c.lines <- "Disconnected from server."
			return
		}
		typ, payload := msg[0], string(msg[1:])
		switch typ {
		case 0x01:
			if strings.HasPrefix(payload, "[Server]") {
				c.lines <- payload
			} else if sender, text, ok := strings.Cut(payload, "::"); ok {
				c.lines <- sender + ": " + text
			} else {
				c.lines <- "[Server]: " + payload
			}
		case 0x02:
			c.lines <- "[Error]: Received malformed file message."
		case 0x03, 0x04:
			c.lines <- payload
		case 0x05:
			c.lines <- "[Server Error]: " + payload
		case 0x06:
			if payload == "/quit_ack" {
				c.lines <- "Quit acknowledged by server. Disconnecting."
				return
			}
		}
	}
}

// expect waits for a printed line that starts with prefix.
func (c *seedClient) expect(prefix string) string {
	c.t.Helper()
	t := time.NewTimer(Wait)
	defer t.Stop()
	var seen []string
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				c.t.Fatalf("seed client: ended before %q; printed %q", prefix, seen)
			}
			if strings.HasPrefix(l, prefix) {
				return l
			}
			seen = append(seen, l)
		case <-t.C:
			c.t.Fatalf("seed client: no %q within %v; printed %q", prefix, Wait, seen)
		}
	}
}

// start runs a server that serves classic clients on its own port.
func start(t *testing.T, cfg server.Config) *server.TestServer {
	t.Helper()
	ts, _ := startPort(t, cfg)
	return ts
}

// startPort is start that also returns the server's gateway port.
func startPort(t *testing.T, cfg server.Config) (*server.TestServer, *server.Port) {
	t.Helper()
	port := server.NewPort()
	g := classic.New(classic.Config{Port: port})
	cfg.Port = port
	cfg.Listen = func(addr string) (net.Listener, error) {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, err
		}
		return gateway.Sniff(ln, gateway.SniffConfig{Classic: g.Serve}), nil
	}
	ts := server.NewTestServer(t, cfg)
	t.Cleanup(g.Close)
	return ts, port
}

func TestSeedClientChatsUsersFileKick(t *testing.T) {
	ts := start(t, server.Config{})
	dir := t.TempDir()
	bob := Connect(t, ts.Addr, "bob", client.WithDownloadDir(dir))

	alice := dialSeed(t, ts.Addr, "alice")
	alice.expect("Welcome to MultiChat, alice!")
	if l := alice.expect("[Server] Online users"); l != "[Server] Online users (2): bob, alice" {
		t.Errorf("first list: %q", l)
	}
	server.WaitEvent[server.UserJoined](ts) // bob
	if j := server.WaitEvent[server.UserJoined](ts); j.Nick != "alice" || j.Via != "classic" {
		t.Errorf("UserJoined = %+v, want alice via classic", j)
	}
	Until(bob, func(j client.Joined) bool { return j.Nick == "alice" })
	Until(bob, func(u client.Users) bool { return u.Via["alice"] == "classic" && u.Via["bob"] == "" })
	carl := Connect(t, ts.Addr, "carl") // marked in the list a newcomer gets
	Until(carl, func(u client.Users) bool { return u.Via["alice"] == "classic" })

	// Chat both ways.
	alice.say("hello from python")
	if m := Until(bob, Text("hello from python")); m.From != "alice" || m.Room != "lobby" {
		t.Errorf("bob got %+v", m)
	}
	bob.Do(client.Say{ID: 1, Text: "hi alice"})
	alice.expect("bob: hi alice")
	bob.Do(client.Private{ID: 2, To: "alice", Text: "psst"})
	alice.expect("bob (private): psst")
	alice.say("/msg bob back at you")
	if m := Until(bob, Text("back at you")); !m.Private || m.From != "alice" {
		t.Errorf("bob got %+v, want alice's private message", m)
	}

	// Commands.
	alice.say("/users")
	if l := alice.expect("[Server] Online users"); l != "[Server] Online users (3): bob, alice, carl" {
		t.Errorf("/users: %q", l)
	}
	alice.say("/help")
	alice.expect("[Server] Commands:\n/users")
	alice.say("/nonsense")
	alice.expect("[Server Error]: Unknown command /nonsense")

	// A file from it reaches bob's download folder.
	data := bytes.Repeat([]byte("0123456789abcdef"), 3000) // 48 000 bytes: two chunks
	alice.send(0x02, append([]byte("notes.txt::"), data...))
	o := Next[client.FileOffered](bob)
	if o.From != "alice" || o.Name != "notes.txt" || o.Size != int64(len(data)) {
		t.Errorf("bob was offered %+v", o)
	}
	bob.Do(client.AcceptFile{Key: o.Key}) // nothing is sent before a recipient accepts
	done := Next[client.FileDone](bob)
	if done.Err != nil {
		t.Fatalf("transfer: %v", done.Err)
	}
	if got, err := os.ReadFile(done.Path); err != nil || !bytes.Equal(got, data) {
		t.Errorf("received file: %d bytes, err %v; want the %d sent", len(got), err, len(data))
	}
	alice.expect("[Server] bob received the file “notes.txt”.")

	// A file for it becomes a line naming the file.
	src := dir + "/photo.jpg"
	if err := os.WriteFile(src, []byte("jpeg"), 0o600); err != nil {
		t.Fatal(err)
	}
	bob.Do(client.SendFile{ID: 3, Path: src})
	alice.expect("[Server] bob sent the file “photo.jpg” (4 bytes)")

	// Announcements, then a kick that tells it why before the close.
	ts.Do(server.Announce{Text: "maintenance at noon"})
	alice.expect("[Server] maintenance at noon")
	ts.Do(server.Kick{Nick: "alice", Reason: "spamming"})
	alice.expect("[Server] [kick] You were removed by the administrator: spamming")
	alice.expect("Disconnected from server.")
	if r := Next[client.Removed](bob); r.Nick != "alice" || r.Reason != "spamming" {
		t.Errorf("bob saw %+v", r)
	}
	if l := server.WaitEvent[server.UserLeft](ts); l.Nick != "alice" || l.Reason != "kicked" {
		t.Errorf("UserLeft = %+v", l)
	}
}

func TestSeedClientJoinLeaveQuit(t *testing.T) {
	ts := start(t, server.Config{})
	carol := dialSeed(t, ts.Addr, "carol")
	carol.expect("Welcome to MultiChat, carol!")

	// Nickname rules apply: taken (also as a look-alike), invalid.
	dup := dialSeed(t, ts.Addr, "Carol")
	dup.expect("[Server Error]: Cannot join as “Carol”: nickname “Carol” is taken")
	dup.expect("Disconnected from server.")
	bad := dialSeed(t, ts.Addr, "two words")
	bad.expect("[Server Error]: Cannot join as “two words”: nickname may not contain spaces")
	bad.expect("Disconnected from server.")
	reserved := dialSeed(t, ts.Addr, "admin")
	reserved.expect("[Server Error]: Cannot join as “admin”: the nickname “admin” is reserved")

	dave := dialSeed(t, ts.Addr, "dave")
	dave.expect("Welcome")
	carol.expect("dave joined the chat.")
	dave.say("/quit")
	dave.expect("Quit acknowledged by server. Disconnecting.")
	carol.expect("dave left the chat.")

	erin := dialSeed(t, ts.Addr, "erin")
	erin.expect("Welcome")
	carol.expect("erin joined the chat.")
	erin.nc.Close()
	carol.expect("erin left the chat (connection lost).")

	// A frame over the limit is skipped with an error; the session goes on.
	carol.send(0x02, append([]byte("big.bin::"), make([]byte, 70<<10)...))
	carol.expect("[Server Error]: That was 70.0 KiB; the limit here is 64.0 KiB")
	carol.say("/users")
	carol.expect("[Server] Online users (1): carol")

	ts.Stop()
	carol.expect("[Server] The server is stopping")
	carol.expect("Disconnected from server.")
}

func TestClassicNeedsPermission(t *testing.T) {
	// Without the gateway the hub answers the seed's JOIN as it always did.
	ts := server.NewTestServer(t, server.Config{Plaintext: true})
	nc, err := net.Dial("tcp", ts.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.Write([]byte{0, 0, 0, 4, 0x03, 'b', 'o', 'b'})
	nc.SetReadDeadline(time.Now().Add(Wait))
	rd := wire.NewReader(nc, 0)
	m, err := rd.ReadMessage()
	if _, ok := m.(wire.Challenge); ok && err == nil { // a version 2 server speaks first
		m, err = rd.ReadMessage()
	}
	var e wire.Error
	if err == nil {
		e, _ = m.(wire.Error)
	}
	if e.Code != wire.CodeUnsupported {
		t.Fatalf("got %v, %v; want error %d", m, err, wire.CodeUnsupported)
	}
	if _, err := nc.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("after the error: %v, want EOF", err)
	}
}

// TestClassicOnPasswordServer: the seed client cannot give a password, so a
// server with one turns it away, saying why.
func TestClassicOnPasswordServer(t *testing.T) {
	hash, err := server.HashPassword("sesame")
	if err != nil {
		t.Fatal(err)
	}
	ts := start(t, server.Config{PasswordHash: hash})
	c := dialSeed(t, ts.Addr, "carol")
	c.expect("[Server Error]: This server needs a password, which the classic client cannot give.")
	c.expect("Disconnected from server.")
}
