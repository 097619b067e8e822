package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/multichat/multichat/net/wire"
)

// fileOpts: one user sends another a file of Size bytes through the server,
// keeping Window bytes unacknowledged (as the client does); meanwhile two
// more users chat at ChatRate messages/s and the age of each message is
// measured. Given the server's -pid, its RSS is sampled throughout.
type fileOpts struct {
	Addr      string
	PID       int
	Plaintext bool
	Handshake time.Duration
	Size      int64
	Window    int64
	ChatRate  float64
}

type fileResult struct {
	Scenario        string  `json:"scenario"`
	Bytes           int64   `json:"bytes"`
	Seconds         float64 `json:"seconds"`
	MiBPerSec       float64 `json:"mib_per_sec"`
	SHA256Match     bool    `json:"sha256_match"`
	ServerPID       int     `json:"server_pid,omitempty"`
	RSSBeforeBytes  int64   `json:"rss_before_bytes,omitempty"`
	RSSMaxBytes     int64   `json:"rss_max_bytes,omitempty"`
	RSSGrowthMiB    float64 `json:"rss_growth_mib,omitempty"`
	ChatSamples     uint64  `json:"chat_samples"`
	ChatP50us       float64 `json:"chat_p50_us"`
	ChatP99us       float64 `json:"chat_p99_us"`
	ChatMaxUs       float64 `json:"chat_max_us"`
	ToolCPUSeconds  float64 `json:"tool_cpu_seconds"`
	ServerCPUSecond float64 `json:"server_cpu_seconds,omitempty"`
	Complete        bool    `json:"complete"`
	Error           string  `json:"error,omitempty"`
}

func (o *fileOpts) check() error {
	if o.Size <= 0 || o.Size > 8<<30 {
		return fmt.Errorf("-size %d: want 0 < size ≤ 8 GiB", o.Size)
	}
	if o.Window < wire.MaxChunk || o.Window > 64<<20 {
		return fmt.Errorf("-window %d: want %d ≤ window ≤ 64 MiB", o.Window, wire.MaxChunk)
	}
	if o.ChatRate < 0 || o.ChatRate > 10_000 {
		return fmt.Errorf("-chat-rate %v: want 0 ≤ rate ≤ 10000", o.ChatRate)
	}
	return nil
}

func runFile(ctx context.Context, o fileOpts) (*fileResult, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	res := &fileResult{Scenario: "file", Bytes: o.Size, ServerPID: o.PID}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	conns := map[string]*benchConn{}
	// A suffix per run: a server keeps each nickname for its device a while.
	run := strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
	for _, role := range []string{"fsend", "frecv", "chat-a", "chat-b"} {
		bc, err := dial(ctx, o.Addr, o.Plaintext, role+"-"+run, "", 256<<10, o.Handshake)
		if err != nil {
			for _, c := range conns {
				c.close()
			}
			return nil, err
		}
		conns[role] = bc
	}
	defer func() {
		for _, c := range conns {
			c.close()
		}
	}()
	send, recv, chatA, chatB := conns["fsend"], conns["frecv"], conns["chat-a"], conns["chat-b"]

	var (
		wg      sync.WaitGroup
		errMu   sync.Mutex
		errs    []error
		acked   atomic.Int64
		ackCh   = make(chan struct{}, 1)
		legCh   = make(chan uint64, 1)
		doneCh  = make(chan [32]byte, 1)
		chatH   hist
		chatMu  sync.Mutex
		started atomic.Int64 // unix ns of the first chunk received
	)
	fail := func(err error) {
		errMu.Lock()
		errs = append(errs, err)
		errMu.Unlock()
		cancel()
	}
	serve := func(bc *benchConn, handle func(wire.Type, []byte) error) {
		wg.Go(func() {
			for {
				t, p, err := bc.next()
				if err != nil {
					if ctx.Err() == nil {
						fail(fmt.Errorf("%s: %w", bc.nick, err))
					}
					return
				}
				if t == wire.TypePing {
					err = bc.pong(p)
				} else {
					err = handle(t, p)
				}
				if err != nil {
					fail(fmt.Errorf("%s: %w", bc.nick, err))
					return
				}
			}
		})
	}
	decode := func(t wire.Type, p []byte) wire.Message {
		m, err := wire.Decode(t, p)
		if err != nil {
			return nil
		}
		return m
	}
	serve(send, func(t wire.Type, p []byte) error {
		switch m := decode(t, p).(type) {
		case wire.FileSend:
			legCh <- m.Leg
		case wire.FileAck:
			acked.Store(int64(m.Bytes))
			select {
			case ackCh <- struct{}{}:
			default:
			}
		case wire.Error:
			return fmt.Errorf("server error %s: %s", m.Code, m.Text)
		}
		return nil
	})
	var rsum hash.Hash = sha256.New()
	var got int64
	serve(recv, func(t wire.Type, p []byte) error {
		switch t {
		case wire.TypeFileChunk: // the hot path: no decode, no copy
			if len(p) < 8 {
				return errors.New("short chunk")
			}
			if got == 0 {
				started.Store(time.Now().UnixNano())
			}
			rsum.Write(p[8:])
			got += int64(len(p) - 8)
			return nil
		case wire.TypeFileOffered:
			if m, ok := decode(t, p).(wire.FileOffered); ok {
				return recv.write(wire.Encode(wire.FileAccept{ID: m.ID, Key: m.Key}))
			}
		case wire.TypeFileEnd:
			if m, ok := decode(t, p).(wire.FileEnd); ok {
				doneCh <- m.SHA256
			}
		}
		return nil
	})
	serve(chatA, func(wire.Type, []byte) error { return nil })
	base := time.Now()
	serve(chatB, func(t wire.Type, p []byte) error {
		if t != wire.TypeChat {
			return nil
		}
		if m, ok := decode(t, p).(wire.Chat); ok && m.From == chatA.nick {
			if ns, err := strconv.ParseInt(m.Text, 10, 64); err == nil {
				chatMu.Lock()
				chatH.record(time.Since(base).Nanoseconds() - ns)
				chatMu.Unlock()
			}
		}
		return nil
	})

	var rssBefore, rssMax atomic.Int64
	if o.PID > 0 {
		v, err := procRSS(o.PID)
		if err != nil {
			return nil, err
		}
		rssBefore.Store(v)
		rssMax.Store(v)
	}
	cpu := startCPU(o.PID)
	tctx, tcancel := context.WithCancel(ctx)
	defer tcancel()
	if o.PID > 0 {
		wg.Go(func() {
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-tctx.Done():
					return
				case <-tick.C:
					if v, err := procRSS(o.PID); err == nil && v > rssMax.Load() {
						rssMax.Store(v)
					}
				}
			}
		})
	}
	if o.ChatRate > 0 {
		wg.Go(func() {
			tick := time.NewTicker(time.Duration(float64(time.Second) / o.ChatRate))
			defer tick.Stop()
			for ref := uint32(1); ; ref++ {
				select {
				case <-tctx.Done():
					return
				case <-tick.C:
				}
				text := strconv.FormatInt(time.Since(base).Nanoseconds(), 10)
				if err := chatA.write(wire.Encode(wire.Say{Ref: ref, Room: chatA.lobby, Text: text})); err != nil {
					fail(err)
					return
				}
			}
		})
	}

	// The sender: offer, wait for the leg, stream.
	var key [wire.FileKeySize]byte
	rand.Read(key[:])
	if err := send.write(wire.Encode(wire.FileOffer{Ref: 1, To: recv.nick, Name: "bench.bin", Size: uint64(o.Size), Key: key})); err != nil {
		return nil, err
	}
	var leg uint64
	select {
	case leg = <-legCh:
	case <-ctx.Done():
		tcancel()
		wg.Wait()
		return nil, fmt.Errorf("no file-send: %v", errors.Join(errs...))
	}
	block := make([]byte, 1<<20)
	rand.Read(block)
	ssum := sha256.New()
	frame := make([]byte, 0, 4*(wire.HeaderSize+8+wire.MaxChunk))
	for sent := int64(0); sent < o.Size && ctx.Err() == nil; {
		for sent-acked.Load() >= o.Window {
			select {
			case <-ackCh:
			case <-ctx.Done():
			}
			if ctx.Err() != nil {
				break
			}
		}
		// Up to 4 chunks in one write, as the client's writer batches them.
		frame = frame[:0]
		for k := 0; k < 4 && sent < o.Size && sent-acked.Load() < o.Window; k++ {
			n := min(int64(wire.MaxChunk), o.Size-sent)
			off := sent % int64(len(block))
			n = min(n, int64(len(block))-off)
			data := block[off : off+n]
			ssum.Write(data)
			frame = wire.AppendFrame(frame, wire.FileChunk{ID: leg, Data: data})
			sent += n
		}
		if err := send.write(frame); err != nil {
			fail(err)
			break
		}
	}
	var end wire.FileEnd
	end.ID = leg
	copy(end.SHA256[:], ssum.Sum(nil))
	if err := send.write(wire.Encode(end)); err != nil {
		fail(err)
	}
	select {
	case sum := <-doneCh:
		res.Seconds = time.Since(time.Unix(0, started.Load())).Seconds()
		res.SHA256Match = sum == end.SHA256 && [32]byte(rsum.Sum(nil)) == end.SHA256 && got == o.Size
	case <-ctx.Done():
	}
	tcancel()
	cpu.stop()
	cancel()
	for _, c := range conns {
		c.close()
	}
	wg.Wait()
	if res.Seconds > 0 {
		res.MiBPerSec = float64(o.Size) / (1 << 20) / res.Seconds
	}
	if o.PID > 0 {
		res.RSSBeforeBytes, res.RSSMaxBytes = rssBefore.Load(), rssMax.Load()
		res.RSSGrowthMiB = mib(res.RSSMaxBytes - res.RSSBeforeBytes)
		res.ServerCPUSecond = cpu.server.Seconds()
	}
	res.ChatSamples = chatH.n
	res.ChatP50us, res.ChatP99us, res.ChatMaxUs = float64(chatH.quantile(0.5))/1e3, float64(chatH.quantile(0.99))/1e3, float64(chatH.max)/1e3
	res.ToolCPUSeconds = cpu.self.Seconds()
	var real []error
	for _, e := range errs {
		if !errors.Is(e, context.Canceled) {
			real = append(real, e)
		}
	}
	if !res.SHA256Match {
		real = append(real, errors.New("the file did not arrive whole"))
	}
	if err := errors.Join(real...); err != nil {
		res.Error = err.Error()
	}
	res.Complete = res.SHA256Match && res.Error == ""
	return res, nil
}

func fileSummary(p func(string, ...any), r *fileResult) {
	p("file: %.1f MiB relayed in %.2f s → %.0f MiB/s (SHA-256 %s)", float64(r.Bytes)/(1<<20), r.Seconds, r.MiBPerSec,
		map[bool]string{true: "matches", false: "DIFFERS"}[r.SHA256Match])
	if r.ServerPID > 0 {
		p("  server RSS       %.1f MiB before, %.1f MiB at most → grew %.1f MiB; server CPU %.2f s",
			mib(r.RSSBeforeBytes), mib(r.RSSMaxBytes), r.RSSGrowthMiB, r.ServerCPUSecond)
	}
	p("  chat meanwhile   p50 %.0f µs  p99 %.0f µs  max %.0f µs (%d samples)", r.ChatP50us, r.ChatP99us, r.ChatMaxUs, r.ChatSamples)
	p("  chatbench CPU    %.2f s", r.ToolCPUSeconds)
	verdict(p, r.Complete, r.Error)
}
