package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/multichat/multichat/net/wire"
)

// The lean hub is the baseline MultiChat's server is compared with: the
// plainest Go chat hub that speaks enough of the protocol for fanout and
// connections (hello, welcome, the lobby's list, say, chat, ping, quit), in
// the shape of gorilla/websocket's chat example. One goroutine owns the
// member map; each connection has a reader goroutine and a writer goroutine
// fed by a buffered channel of encoded frames. A broadcast is encoded once
// and sent to every member's channel; when a channel is full the hub waits,
// so a slow reader slows every sender instead of being dropped. The writer
// writes through a bufio.Writer and flushes when its channel is empty.
//
//	chatbench leanhub -addr 127.0.0.1:7901
//
// It prints "listening ADDR" once it accepts connections and serves until
// interrupted. `chatbench fanout -baseline` starts one itself.

// leanQueue is each member's channel, in frames.
const leanQueue = 256

type leanConn struct {
	nc   net.Conn
	nick string
	out  chan []byte
}

type leanMsg struct {
	c *leanConn
	m wire.Message // nil: the connection ended
}

type leanHub struct {
	done    <-chan struct{} // the serving context's
	in      chan leanMsg
	members map[string]*leanConn
	order   []*leanConn
	nextID  uint64
}

// serveLean serves on ln until ctx ends, then closes every connection and
// returns once every goroutine it started has ended.
func serveLean(ctx context.Context, ln net.Listener) error {
	h := &leanHub{done: ctx.Done(), in: make(chan leanMsg, 1024), members: map[string]*leanConn{}}
	var wg sync.WaitGroup
	var mu sync.Mutex
	open := map[net.Conn]struct{}{}
	hubDone := make(chan struct{})
	go func() {
		defer close(hubDone)
		h.run(ctx)
	}()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var err error
	for {
		nc, aerr := ln.Accept()
		if aerr != nil {
			if ctx.Err() == nil && !errors.Is(aerr, net.ErrClosed) {
				err = aerr
			}
			break
		}
		mu.Lock()
		open[nc] = struct{}{}
		mu.Unlock()
		c := &leanConn{nc: nc, out: make(chan []byte, leanQueue)}
		// The lean hub speaks plaintext and checks no device proof, but opens
		// with the challenge a MultiChat client expects.
		c.out <- wire.Encode(wire.Challenge{Version: wire.Version})
		wg.Go(func() { c.read(ctx, h.in) })
		wg.Go(func() { c.write(ctx) })
	}
	ln.Close()
	<-hubDone // only ctx ends the hub
	mu.Lock()
	for nc := range open {
		nc.Close()
	}
	mu.Unlock()
	for _, c := range h.order {
		close(c.out)
	}
	wg.Wait()
	return err
}

func (c *leanConn) read(ctx context.Context, in chan<- leanMsg) {
	r := wire.NewReader(bufio.NewReaderSize(c.nc, 16<<10), wire.DefaultMaxFrame)
	for {
		m, err := r.ReadMessage()
		select {
		case in <- leanMsg{c: c, m: m}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

func (c *leanConn) write(ctx context.Context) {
	defer c.nc.Close()
	w := bufio.NewWriterSize(c.nc, 64<<10)
	failed := false
	for {
		select {
		case f, ok := <-c.out:
			if !ok {
				return
			}
			if failed {
				continue // drain until the hub lets go
			}
			if _, err := w.Write(f); err != nil {
				failed = true
				c.nc.Close()
				continue
			}
			if len(c.out) == 0 && w.Flush() != nil {
				failed = true
				c.nc.Close()
			}
		case <-ctx.Done():
			return
		}
	}
}

func (h *leanHub) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case lm := <-h.in:
			h.handle(lm)
		}
	}
}

// send queues f to c, waiting while c's channel is full (this is what makes
// senders wait for the slowest reader), or until the hub is stopped.
func (h *leanHub) send(c *leanConn, f []byte) {
	select {
	case c.out <- f:
	case <-h.done:
	}
}

func (h *leanHub) leave(c *leanConn) {
	if h.members[c.nick] != c {
		return
	}
	delete(h.members, c.nick)
	for i, m := range h.order {
		if m == c {
			h.order = append(h.order[:i], h.order[i+1:]...)
			break
		}
	}
	close(c.out)
}

func (h *leanHub) handle(lm leanMsg) {
	c, now := lm.c, time.Now().UnixMilli()
	switch m := lm.m.(type) {
	case nil, wire.Quit:
		h.leave(c)
		if c.nick == "" {
			c.nc.Close()
		}
	case wire.Hello:
		if c.nick != "" || h.members[m.Nick] != nil {
			c.nc.Close()
			return
		}
		c.nick = m.Nick
		joined := wire.Encode(wire.Joined{Time: now, Room: wire.Lobby, Users: []string{m.Nick}})
		for _, o := range h.order {
			h.send(o, joined)
		}
		h.members[m.Nick] = c
		h.order = append(h.order, c)
		h.send(c, wire.Encode(wire.Welcome{Version: wire.Version, Nick: m.Nick, Server: "lean hub", Lobby: wire.Lobby,
			MaxText: 4 << 10, MaxFrame: wire.DefaultMaxFrame, Time: now}))
		for i := 0; i < len(h.order); i += 1000 {
			var flags uint8
			if i == 0 {
				flags |= wire.ListFirst
			}
			end := min(i+1000, len(h.order))
			if end == len(h.order) {
				flags |= wire.ListLast
			}
			names := make([]string, 0, end-i)
			for _, o := range h.order[i:end] {
				names = append(names, o.nick)
			}
			h.send(c, wire.Encode(wire.UserList{Room: wire.Lobby, Flags: flags, Users: names}))
		}
	case wire.Say:
		if c.nick == "" {
			return
		}
		h.nextID++
		frame := wire.Encode(wire.Chat{ID: h.nextID, Time: now, Room: wire.Lobby, From: c.nick, Text: m.Text, Ref: m.Ref})
		for _, o := range h.order {
			h.send(o, frame) // waits while o's channel is full
		}
	case wire.Ping:
		if c.nick != "" {
			h.send(c, wire.Encode(wire.Pong{Token: m.Token}))
		}
	}
}

// runLeanHub is the leanhub scenario: serve on addr until ctx ends or stdin
// reaches its end (the parent chatbench has closed it or gone).
func runLeanHub(ctx context.Context, addr string, stdin io.Reader, stdout io.Writer) error {
	ln, err := net.Listen("tcp4", addr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		io.Copy(io.Discard, stdin)
		cancel()
	}()
	fmt.Fprintf(stdout, "listening %s\n", ln.Addr())
	return serveLean(ctx, ln)
}

// leanProcess is a lean hub in a child process (so that its CPU time is its
// own, as the server's is): chatbench leanhub on a free port. The child
// ends when its stdin closes, so it never outlives chatbench.
type leanProcess struct {
	Addr string
	PID  int
	cmd  *exec.Cmd
	in   io.WriteCloser
}

func startLean() (*leanProcess, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "leanhub", "-addr", "127.0.0.1:0")
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	lp := &leanProcess{PID: cmd.Process.Pid, cmd: cmd, in: in}
	line, err := bufio.NewReader(out).ReadString('\n')
	if _, perr := fmt.Sscanf(line, "listening %s", &lp.Addr); err != nil || perr != nil {
		lp.stop()
		return nil, fmt.Errorf("lean hub did not start: %q %v %v", line, err, perr)
	}
	return lp, nil
}

func (lp *leanProcess) stop() {
	lp.in.Close()
	done := make(chan struct{})
	go func() { lp.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		lp.cmd.Process.Kill()
		<-done
	}
}
