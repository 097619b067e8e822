package irc_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/multichat/multichat/net/gateway/irc"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
)

// BenchmarkFanout is one sender's messages delivered to 100 receivers in the
// lobby, all MultiChat clients or 10 of them on IRC, side by side in one run
// (the target: with 10 on IRC, at least 90 % of the all-native rate). b.N is
// the number of messages; the sender keeps at most 32 unechoed. Receivers
// are raw sockets that count what they read (frames, or PRIVMSG lines).
//
//	go test -run XXX -bench Fanout -benchtime 3000x ./net/gateway/irc/
func BenchmarkFanout(b *testing.B) {
	for _, onIRC := range []int{0, 10} {
		b.Run(fmt.Sprintf("N=100/irc=%d", onIRC), func(b *testing.B) { benchFanout(b, 100, onIRC) })
	}
}

func benchFanout(b *testing.B, n, onIRC int) {
	port := server.NewPort()
	ts := server.NewTestServer(b, server.Config{Port: port, FloodBurst: -1, MaxPerIP: -1, Plaintext: true})
	g := irc.New(irc.Config{Port: port})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go g.Serve(ln)
	b.Cleanup(g.Close)

	text := bytes.Repeat([]byte("x"), 100)
	done := make(chan int, n)
	var conns []net.Conn
	b.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	dial := func(addr string) net.Conn {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, nc)
		return nc
	}
	// Native receivers count Chat frames; IRC receivers count PRIVMSG lines.
	for i := range n - onIRC {
		nc := dial(ts.Addr)
		r := wire.NewReader(bufio.NewReaderSize(nc, 64<<10), 0)
		hello(b, nc, r, fmt.Sprintf("native%03d", i))
		go func() {
			got := 0
			for {
				f, err := r.Next()
				if err != nil {
					return
				}
				if f.Type == wire.TypeChat {
					if got++; got == b.N {
						done <- got
					}
				}
			}
		}()
	}
	for i := range onIRC {
		nc := dial(ln.Addr().String())
		fmt.Fprintf(nc, "NICK irc%03d\r\nUSER u 0 * :U\r\n", i)
		br := bufio.NewReaderSize(nc, 64<<10)
		go func() {
			got := 0
			for {
				line, err := br.ReadSlice('\n')
				if err != nil {
					return
				}
				if bytes.Contains(line, []byte(" PRIVMSG #lobby :")) {
					if got++; got == b.N {
						done <- got
					}
				}
			}
		}()
	}
	sender := dial(ts.Addr)
	sr := wire.NewReader(bufio.NewReader(sender), 0)
	hello(b, sender, sr, "sender")
	// Wait until everyone is in the lobby: the sender's list holds n+1.
	members := 0
	for members < n+1 {
		m, err := sr.ReadMessage()
		if err != nil {
			b.Fatal(err)
		}
		switch m := m.(type) {
		case wire.UserList:
			if m.Flags&wire.ListFirst != 0 {
				members = 0
			}
			members += len(m.Users)
		case wire.Joined:
			members += len(m.Users)
		}
	}

	const window = 32
	say := wire.Say{Room: wire.Lobby, Text: string(text)}
	w := bufio.NewWriter(sender)
	echoed := 0
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for sent := 0; sent < b.N; sent++ {
		for sent-echoed >= window {
			w.Flush()
			m, err := sr.ReadMessage()
			if err != nil {
				b.Fatal(err)
			}
			if _, ok := m.(wire.Chat); ok {
				echoed++
			}
		}
		say.Ref = uint32(sent)
		w.Write(wire.Encode(say))
	}
	w.Flush()
	timeout := time.After(60 * time.Second)
	for range n {
		select {
		case <-done:
		case <-timeout:
			b.Fatal("receivers did not get every message within 60 s")
		}
	}
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	// Wall-clock rates swing with whatever else the machine runs; the CPU
	// time the process (server, gateway and receivers) spent per delivery
	// is the steadier figure to compare.
	b.ReportMetric(float64(b.N*n)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*n), "cpu-ns/delivery")
}

// hello answers the plaintext server's challenge with a hello that proves a
// new device key.
func hello(b *testing.B, nc net.Conn, r *wire.Reader, nick string) {
	m, err := r.ReadMessage()
	ch, ok := m.(wire.Challenge)
	if err != nil || !ok {
		b.Fatalf("%s: got %v, %v; want a challenge", nick, m, err)
	}
	dev := trust.NewDeviceKey()
	nc.Write(wire.Encode(wire.Hello{Version: wire.Version, Nick: nick, Device: dev.Pub,
		Proof: dev.Prove(ch.Nonce, trust.Fingerprint{})}))
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
