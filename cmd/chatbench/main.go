// Chatbench is a load tool for a MultiChat server. It speaks the protocol
// with net/wire directly (no client library in the way), connects only to
// 127.0.0.1, and bounds every run in clients, messages and time.
//
// Scenarios:
//
//	chatbench fanout      -n 100 -s 10 -m 20000 -size 100 -w 32 [-packed] [-baseline] [-room R] [-pid P]
//	chatbench latency     -n 100 -s 10 -rate 20 -d 10s [-pid P]
//	chatbench connections -c 5000 [-conc 500] [-probes 200] [-hold 2s] [-pid P]
//	chatbench leanhub     -addr 127.0.0.1:7901
//	chatbench file        -size 1073741824 -chat-rate 100 [-window 262144] [-pid P]
//
// fanout: N clients join the lobby (or -room), S of them send M messages of
// -size bytes, each keeping at most W messages that have not yet reached
// every client. Reports deliveries/s, expected vs received, duplicates,
// per-sender order violations and, given the server's -pid, its CPU time per
// delivery (utime+stime from /proc/PID/stat). Each message is written with
// its own write, as interactive clients send (the headline figures); with
// -packed a sender writes all the messages its window allows in one write.
// -baseline then runs the same fan-out against a lean hub (leanhub.go) in a
// child process and reports both and the ratio.
//
// latency: S senders each send -rate messages/s for -d with the send time in
// the text; every client records each message's age; p50/p90/p99/max.
//
// connections: C clients connect and finish the handshake (Welcome and the
// lobby's member list), -conc at a time; time to connect them all and, given
// -pid, the server's RSS per connection (VmRSS from /proc/PID/status). With
// -probes, that many more then join one at a time: the time from each one's
// Hello to its Welcome is a single join's welcome latency into a full lobby.
//
// leanhub: serves the baseline hub until interrupted or stdin ends.
//
// file: one user sends another a -size file through the server (offer,
// accept, chunks within -window of the acknowledgements, SHA-256 checked);
// meanwhile two more users chat at -chat-rate messages/s. Reports MiB/s, the
// chat latency during the transfer and, given -pid, the server's RSS growth.
// Clusters (cluster.go): -addr a,b,c (or -addrs) spreads the clients over
// several servers of one cluster, client i on the (i mod 3)-th; -nats
// counts the NATS messages the servers publish while the scenario sends
// (reported per chat message); -pids adds the other servers' CPU to -pid's.
// cluster-bench.sh runs the cluster targets beside one server.
//
// Every scenario stops after -timeout (60 s) and reports what it has. -json
// prints one JSON object instead of the summary. The exit status is 0 when
// everything expected arrived intact, 1 when not, 2 on bad usage.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// common holds the flags every scenario has.
type common struct {
	addr      string
	pid       int
	timeout   time.Duration
	json      bool
	conc      int
	rbuf      int
	handshake time.Duration
	cpuprof   string
	plaintext bool
	nats      string
	pids      []int
}

func (c *common) register(fs *flag.FlagSet, conc, rbuf int) {
	fs.StringVar(&c.addr, "addr", "127.0.0.1:7900", "server address (127.0.0.1 only); several servers of a cluster: comma-separated, clients spread over them")
	fs.StringVar(&c.addr, "addrs", "127.0.0.1:7900", "the same as -addr")
	fs.Func("pids", "a cluster's other server process ids, comma-separated: their CPU time is added to -pid's", func(s string) error {
		for _, f := range addrList(s) {
			p, err := strconv.Atoi(f)
			if err != nil || p <= 0 {
				return fmt.Errorf("bad process id %q", f)
			}
			c.pids = append(c.pids, p)
		}
		return nil
	})
	fs.StringVar(&c.nats, "nats", "", "count the NATS messages a cluster's servers publish while sending (nats://127.0.0.1:PORT of a server's -nats-listen)")
	fs.IntVar(&c.pid, "pid", 0, "server process id, for its CPU time and RSS from /proc (0: not measured)")
	fs.DurationVar(&c.timeout, "timeout", 60*time.Second, "stop after this long and report what was measured")
	fs.BoolVar(&c.json, "json", false, "print one JSON object instead of the summary")
	fs.IntVar(&c.conc, "conc", conc, "handshakes in progress at once")
	fs.IntVar(&c.rbuf, "rbuf", rbuf, "read buffer per client, bytes")
	fs.DurationVar(&c.handshake, "handshake", 10*time.Second, "longest a client's handshake may take")
	fs.StringVar(&c.cpuprof, "cpuprofile", "", "write chatbench's own CPU profile to this file")
	fs.BoolVar(&c.plaintext, "plaintext", false, "connect without TLS (to a server started with -plaintext)")
}

const usage = `usage: chatbench fanout|latency|connections|file|leanhub [flags]
       chatbench SCENARIO -h   lists a scenario's flags
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	scenario := args[0]
	fs := flag.NewFlagSet("chatbench "+scenario, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	var exec func(ctx context.Context) (any, error)
	switch scenario {
	case "fanout":
		var o fanoutOpts
		c.register(fs, 50, 64<<10)
		o.register(fs)
		fs.IntVar(&o.Messages, "m", 20000, "messages per sender (M)")
		fs.IntVar(&o.Window, "w", 32, "messages a sender may have in flight (W)")
		fs.BoolVar(&o.Packed, "packed", false, "write all the messages the window allows in one write (default: one message per write)")
		baseline := fs.Bool("baseline", false, "then run the same fan-out against a lean hub in a child process, and compare")
		exec = func(ctx context.Context) (any, error) {
			o.set(&c)
			if *baseline && o.Room != "" {
				return nil, errors.New("-baseline: the lean hub has only the lobby; drop -room")
			}
			res, err := runFanout(ctx, o)
			if err != nil || !*baseline {
				return res, err
			}
			lp, err := startLean()
			if err != nil {
				return nil, err
			}
			defer lp.stop()
			ob := o
			ob.Addr, ob.PID, ob.Plaintext = lp.Addr, lp.PID, true // the lean hub speaks no TLS
			if res.Baseline, err = runFanout(ctx, ob); err != nil {
				return nil, fmt.Errorf("baseline: %w", err)
			}
			res.Baseline.Server = "lean hub"
			if res.Baseline.DeliveriesPerSec > 0 {
				res.RatioToBaseline = res.DeliveriesPerSec / res.Baseline.DeliveriesPerSec
			}
			return res, nil
		}
	case "latency":
		var o latencyOpts
		c.register(fs, 50, 16<<10)
		o.register(fs)
		fs.Float64Var(&o.Rate, "rate", 20, "messages per second per sender (R)")
		fs.DurationVar(&o.Duration, "d", 10*time.Second, "how long the senders send")
		fs.DurationVar(&o.Drain, "drain", 3*time.Second, "how long to wait for the last messages")
		exec = func(ctx context.Context) (any, error) {
			o.set(&c)
			return runLatency(ctx, o)
		}
	case "connections":
		var o connOpts
		c.register(fs, 500, 4<<10)
		fs.IntVar(&o.Clients, "c", 5000, "clients to connect (C)")
		fs.DurationVar(&o.Hold, "hold", 2*time.Second, "how long to keep them connected before closing")
		fs.IntVar(&o.Probes, "probes", 0, "then join this many more one at a time, timing each one's welcome")
		exec = func(ctx context.Context) (any, error) {
			o.Addr, o.PID, o.Conc, o.ReadBuf, o.Handshake, o.Plaintext = c.addr, c.pid, c.conc, c.rbuf, c.handshake, c.plaintext
			return runConnections(ctx, o)
		}
	case "file":
		var o fileOpts
		c.register(fs, 4, 256<<10)
		fs.Int64Var(&o.Size, "size", 1<<30, "file size in bytes")
		fs.Int64Var(&o.Window, "window", 8*32<<10, "bytes the sender keeps unacknowledged (the client keeps 256 KiB)")
		fs.Float64Var(&o.ChatRate, "chat-rate", 100, "chat messages per second sent meanwhile, whose latency is measured (0: none)")
		exec = func(ctx context.Context) (any, error) {
			o.Addr, o.PID, o.Plaintext, o.Handshake = c.addr, c.pid, c.plaintext, c.handshake
			return runFile(ctx, o)
		}
	case "leanhub":
		addr := fs.String("addr", "127.0.0.1:7901", "listen address (127.0.0.1 only; port 0 picks one)")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		if h, _, err := net.SplitHostPort(*addr); err != nil || h != "127.0.0.1" {
			fmt.Fprintf(stderr, "chatbench: -addr %q: want 127.0.0.1:PORT\n", *addr)
			return 2
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := runLeanHub(ctx, *addr, os.Stdin, stdout); err != nil {
			fmt.Fprintln(stderr, "chatbench:", err)
			return 1
		}
		return 0
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "chatbench: unknown scenario %q\n%s", scenario, usage)
		return 2
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "chatbench: unexpected arguments %q\n", fs.Args())
		return 2
	}
	addr, err := loopbackAddrs(c.addr)
	if err != nil {
		fmt.Fprintln(stderr, "chatbench:", err)
		return 2
	}
	c.addr = addr
	if c.timeout <= 0 || c.timeout > time.Hour {
		fmt.Fprintln(stderr, "chatbench: -timeout: want 0 < timeout ≤ 1h")
		return 2
	}
	if c.pid < 0 {
		fmt.Fprintln(stderr, "chatbench: -pid: want a process id")
		return 2
	}
	if c.cpuprof != "" {
		f, err := os.Create(c.cpuprof)
		if err != nil {
			fmt.Fprintln(stderr, "chatbench:", err)
			return 2
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "chatbench:", err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	res, err := exec(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "chatbench:", err)
		return 1
	}
	if c.json {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			fmt.Fprintln(stderr, "chatbench:", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		printSummary(stdout, res)
	}
	if !complete(res) {
		return 1
	}
	return 0
}

func (o *roomOpts) register(fs *flag.FlagSet) {
	fs.IntVar(&o.Clients, "n", 100, "clients in the room (N), all receivers")
	fs.IntVar(&o.Senders, "s", 10, "clients that also send (S)")
	fs.IntVar(&o.Size, "size", 100, fmt.Sprintf("message text size in bytes (at least %d)", minPayload))
	fs.StringVar(&o.Room, "room", "", "room to join (default: stay in the lobby)")
}

func (o *roomOpts) set(c *common) {
	o.Addr, o.PID, o.Conc, o.ReadBuf, o.Handshake, o.Plaintext = c.addr, c.pid, c.conc, c.rbuf, c.handshake, c.plaintext
	o.NATS, o.MorePIDs = c.nats, c.pids
}

// loopbackAddr accepts "127.0.0.1:PORT" or "localhost:PORT" and returns the
// former; any other host is refused, since this tool is a load generator.
func loopbackAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("-addr %q: %w", addr, err)
	}
	if host != "127.0.0.1" && host != "localhost" {
		return "", fmt.Errorf("-addr %q: only 127.0.0.1 may be benchmarked", addr)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return "", fmt.Errorf("-addr %q: bad port", addr)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(p)), nil
}

func complete(res any) bool {
	switch r := res.(type) {
	case *fanoutResult:
		return r.Complete
	case *latencyResult:
		return r.Complete
	case *connResult:
		return r.Complete
	}
	return false
}
