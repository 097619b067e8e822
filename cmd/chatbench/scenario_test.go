package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/multichat/multichat/net/server"
)

// startServer runs a real server.Run on 127.0.0.1:0 with flood control off,
// as benchmarks run it, and returns its address.
func startServer(t *testing.T) string {
	addr, _ := startServerCmds(t)
	return addr
}

func startServerCmds(t *testing.T) (string, chan<- server.Command) {
	t.Helper()
	return startServerWith(t, server.Config{FloodBurst: -1, MaxPerIP: -1, MaxConns: 5000, DataDir: t.TempDir()})
}

func startServerWith(t *testing.T, cfg server.Config) (string, chan<- server.Command) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmds := make(chan server.Command, 1)
	events := make(chan server.Event, 64)
	done := make(chan error, 1)
	go func() {
		done <- server.Run(ctx, cfg, cmds, events)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("server.Run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("server.Run did not return within 15 s of cancel")
		}
	})
	cmds <- server.Start{Addr: "127.0.0.1:0"}
	addr := make(chan string, 1)
	go func() { // the server's events must keep being taken
		for ev := range events {
			switch ev := ev.(type) {
			case server.Started:
				addr <- ev.Addr
			case server.Error:
				t.Errorf("server error: %v", ev.Err)
			}
		}
	}()
	select {
	case a := <-addr:
		return a, cmds
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start within 10 s")
		return "", nil
	}
}

func testRoomOpts(addr string, n, s int, room string) roomOpts {
	return roomOpts{Addr: addr, Clients: n, Senders: s, Size: 100, Room: room, PID: os.Getpid(),
		Conc: 16, ReadBuf: 16 << 10, Handshake: 10 * time.Second}
}

func TestFanoutAgainstServer(t *testing.T) {
	addr := startServer(t)
	for _, room := range []string{"", "bench room"} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		res, err := runFanout(ctx, fanoutOpts{roomOpts: testRoomOpts(addr, 30, 4, room), Messages: 300, Window: 8})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if !res.Complete || res.Received != 30*4*300 || res.Expected != res.Received || res.Lost != 0 ||
			res.Duplicates != 0 || res.OrderViolations != 0 || res.Foreign != 0 {
			t.Fatalf("room %q: %+v", room, res)
		}
		if res.MembersSeen != 30 {
			t.Errorf("members seen %d, want 30", res.MembersSeen)
		}
		if want := map[string]string{"": "lobby", "bench room": "bench room"}[room]; res.Room != want {
			t.Errorf("ran in %q, want %q", res.Room, want)
		}
		if res.DeliveriesPerSec <= 0 || res.ServerCPUSeconds < 0 {
			t.Errorf("figures: %+v", res)
		}
	}
}

func TestLatencyAgainstServer(t *testing.T) {
	addr := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := runLatency(ctx, latencyOpts{roomOpts: testRoomOpts(addr, 12, 3, ""), Rate: 40,
		Duration: 700 * time.Millisecond, Drain: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// 40/s for 0.7 s: 28 each, one either way for where the deadline falls.
	if !res.Complete || res.Sent < 3*27 || res.Sent > 3*29 || res.Received != res.Sent*12 || res.Samples != res.Received {
		t.Fatalf("%+v", res)
	}
	if !(res.P50us > 0 && res.P50us <= res.P90us && res.P90us <= res.P99us && res.P99us <= res.MaxUs) {
		t.Fatalf("quantiles out of order: %+v", res)
	}
	if res.MaxUs > 5e6 {
		t.Fatalf("a message took %v µs", res.MaxUs)
	}
}

func TestConnectionsAgainstServer(t *testing.T) {
	addr := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := runConnections(ctx, connOpts{Addr: addr, Clients: 300, Conc: 32, ReadBuf: 4 << 10,
		Hold: 200 * time.Millisecond, PID: os.Getpid(), Handshake: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Complete || res.Joined != 300 || res.Failed != 0 || res.Dropped != 0 {
		t.Fatalf("%+v", res)
	}
	if res.LobbySeen < 2 || res.LobbySeen > 300 || res.RSSAfterHoldBytes <= 0 || res.ConnectSeconds <= 0 {
		t.Fatalf("figures: %+v", res)
	}
}

// The command line: JSON output of a small run, and the refusals.
func TestCommandLine(t *testing.T) {
	addr := startServer(t)
	var out, errb bytes.Buffer
	code := run([]string{"fanout", "-addr", addr, "-n", "5", "-s", "2", "-m", "50", "-json", "-timeout", "20s"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errb.String())
	}
	var res fanoutResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, out.String())
	}
	if res.Scenario != "fanout" || res.Received != 5*2*50 || !res.Complete {
		t.Fatalf("%+v", res)
	}
	out.Reset()
	if code := run([]string{"connections", "-addr", addr, "-c", "10", "-hold", "0s"}, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "joined           10 (failed 0)") {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	for _, args := range [][]string{
		nil, {"nosuch"}, {"fanout", "-addr", "192.168.1.1:7900"}, {"fanout", "-n", "0"},
		{"latency", "-rate", "0"}, {"connections", "-c", "-1"}, {"fanout", "extra"}, {"fanout", "-timeout", "0s"},
		{"fanout", "-size", "10"},
	} {
		out.Reset()
		errb.Reset()
		if code := run(args, &out, &errb); code == 0 {
			t.Errorf("run(%q) succeeded: %s", args, out.String())
		}
	}
}

// A client the server drops ends the run at once with a report that says
// which and why, instead of senders waiting for it until -timeout.
func TestFanoutReportsDroppedClient(t *testing.T) {
	addr, cmds := startServerCmds(t)
	o := fanoutOpts{roomOpts: testRoomOpts(addr, 10, 2, ""), Messages: 10_000_000, Window: 4}
	o.Nicks = "kt-"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	type out struct {
		res *fanoutResult
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := runFanout(ctx, o)
		done <- out{res, err}
	}()
	select {
	case <-done:
		t.Fatal("the run ended before the kick")
	case <-time.After(500 * time.Millisecond):
	}
	cmds <- server.Kick{Nick: "kt-7", Reason: "test"}
	var r out
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the run went on for 10 s after a client was kicked")
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Logf("report: %s", r.res.Error)
	if r.res.Complete || !strings.Contains(r.res.Error, "kt-7") || r.res.ClosedByServer["kicked"] != 1 ||
		r.res.Received == 0 || r.res.Duplicates != 0 || r.res.OrderViolations != 0 {
		t.Fatalf("%+v", r.res)
	}
}

// Stopped by its timeout, a run still reports what it measured: what was
// sent, and everything but the messages in flight delivered.
func TestFanoutStoppedByTimeout(t *testing.T) {
	addr := startServer(t)
	const n, s, w = 8, 2, 4
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	res, err := runFanout(ctx, fanoutOpts{roomOpts: testRoomOpts(addr, n, s, ""), Messages: 100_000_000, Window: w})
	if err != nil {
		t.Fatal(err)
	}
	if res.Complete || !strings.Contains(res.Error, "-timeout") || res.Sent == 0 || res.Sent >= res.Planned ||
		res.Expected != res.Sent*n || res.Lost > s*w*n || res.Received+res.Lost != res.Expected || res.Duplicates != 0 {
		t.Fatalf("%+v", res)
	}
}

// Both write modes against the server and against the lean hub (served in
// this process): everything arrives, in order, either way.
func TestFanoutModesAndLeanHub(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serveLean(ctx, ln) }()
	defer func() {
		stop()
		if err := <-served; err != nil {
			t.Error(err)
		}
	}()
	for _, addr := range []string{startServer(t), ln.Addr().String()} {
		for _, packed := range []bool{false, true} {
			o := fanoutOpts{roomOpts: testRoomOpts(addr, 12, 3, ""), Messages: 200, Window: 8, Packed: packed}
			o.Plaintext = addr == ln.Addr().String() // the lean hub speaks no TLS
			o.Size = 4000                            // the most characters a message may have
			rctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			res, err := runFanout(rctx, o)
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			if !res.Complete || res.Received != 12*3*200 || res.Lost != 0 {
				t.Fatalf("%s, packed %v: %+v", addr, packed, res)
			}
		}
	}
}

func TestConnectionsProbes(t *testing.T) {
	addr := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := runConnections(ctx, connOpts{Addr: addr, Clients: 50, Conc: 16, ReadBuf: 4 << 10, Probes: 5,
		Handshake: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Complete || res.Joined != 50 || res.Probes != 5 || !(res.ProbeWelcomeP50ms > 0 && res.ProbeWelcomeP50ms <= res.ProbeWelcomeMaxms) {
		t.Fatalf("%+v", res)
	}
}

// TestPlaintextFlag: -plaintext talks to a plaintext server; without it the
// tool speaks TLS and says why it fails against one.
func TestPlaintextFlag(t *testing.T) {
	addr, _ := startServerWith(t, server.Config{FloodBurst: -1, Plaintext: true})
	var out, errb bytes.Buffer
	if code := run([]string{"connections", "-addr", addr, "-c", "5", "-hold", "0s", "-plaintext"}, &out, &errb); code != 0 {
		t.Fatalf("plaintext: exit %d: %s %s", code, &out, &errb)
	}
	out.Reset()
	errb.Reset()
	code := run([]string{"connections", "-addr", addr, "-c", "1", "-hold", "0s", "-json"}, &out, &errb)
	if code == 0 || !strings.Contains(out.String()+errb.String(), "-plaintext") {
		t.Fatalf("TLS against a plaintext server: exit %d: %s %s", code, &out, &errb)
	}
}
