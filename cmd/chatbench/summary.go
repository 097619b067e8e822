package main

import (
	"fmt"
	"io"
	"strings"
)

func printSummary(w io.Writer, res any) {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	switch r := res.(type) {
	case *fanoutResult:
		fanoutSummary(p, r)
		if r.Baseline != nil {
			fanoutSummary(p, r.Baseline)
			p("multichat / lean hub: %.2f× the deliveries per second", r.RatioToBaseline)
		}
	case *latencyResult:
		p("latency: %d clients in %q, %d senders at %g messages/s, %d bytes", r.Clients, r.Room, r.Senders, r.Rate, r.Size)
		p("  connected in     %.2f s; sent for %.2f s", r.ConnectSeconds, r.Seconds)
		p("  deliveries       %d of %d expected (lost %d, duplicates %d, order violations %d)",
			r.Received, r.Expected, r.Lost, r.Duplicates, r.OrderViolations)
		p("  latency          p50 %.0f µs  p90 %.0f µs  p99 %.0f µs  p99.9 %.0f µs  max %.0f µs  (mean %.0f µs, %d samples)",
			r.P50us, r.P90us, r.P99us, r.P999us, r.MaxUs, r.MeanUs, r.Samples)
		for _, part := range []struct {
			name string
			l    *latencyPart
		}{{"  same server     ", r.SameServer}, {"  other servers   ", r.OtherServer}} {
			if part.l != nil {
				p("%s p50 %.0f µs  p99 %.0f µs  max %.0f µs  (%d samples)", part.name, part.l.P50us, part.l.P99us,
					part.l.MaxUs, part.l.Samples)
			}
		}
		if r.ServerPID > 0 {
			p("  server CPU       %.2f s", r.ServerCPUSeconds)
		}
		p("  chatbench CPU    %.2f s", r.ToolCPUSeconds)
		natsSummary(p, r.natsFigures)
		problems(p, r.deliveryStats)
		verdict(p, r.Complete, r.Error)
	case *fileResult:
		fileSummary(p, r)
	case *connResult:
		p("connections: %d clients, %d handshakes at once", r.Clients, r.Conc)
		p("  joined           %d (failed %d) in %.2f s", r.Joined, r.Failed, r.ConnectSeconds)
		p("  handshake        p50 %.1f ms  p99 %.1f ms  max %.1f ms", r.HandshakeP50ms, r.HandshakeP99ms, r.HandshakeMaxms)
		p("  lobby size seen  %d", r.LobbySeen)
		if r.Probes > 0 {
			p("  single joins     %d, hello to welcome p50 %.2f ms  p99 %.2f ms  max %.2f ms",
				r.Probes, r.ProbeWelcomeP50ms, r.ProbeWelcomeP99ms, r.ProbeWelcomeMaxms)
		}
		if r.ServerPID > 0 {
			p("  server RSS       %.1f MiB before, %.1f MiB joined, %.1f MiB after %.1f s → %.1f KiB per connection",
				mib(r.RSSBeforeBytes), mib(r.RSSJoinedBytes), mib(r.RSSAfterHoldBytes), r.HoldSeconds, r.RSSPerConnKiB)
			p("  server CPU       %.2f s while joining (%.0f µs per client)", r.ServerCPUSeconds, 1e6*r.ServerCPUSeconds/float64(max(r.Joined, 1)))
		}
		p("  chatbench CPU    %.2f s while joining", r.ToolCPUSeconds)
		if r.MachineShare > 0 {
			p("  machine share    %.0f %% while joining", 100*r.MachineShare)
		}
		p("  frames read      %d; dropped by the server %d", r.FramesRead, r.Dropped)
		for _, k := range sortedKeys(r.Refusals) {
			p("  refused          %d × %s", r.Refusals[k], k)
		}
		for _, e := range r.FirstErrors {
			p("  error            %s", e)
		}
		verdict(p, r.Complete, r.Error)
	}
	_, _ = io.WriteString(w, b.String())
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func problems(p func(string, ...any), d deliveryStats) {
	if d.Foreign > 0 {
		p("  foreign          %d chat frames that were not this run's", d.Foreign)
	}
	if d.WrongSender > 0 {
		p("  wrong sender     %d frames whose From was not their sender", d.WrongSender)
	}
	if d.Malformed > 0 {
		p("  malformed        %d frames", d.Malformed)
	}
	for _, k := range sortedKeys(d.ServerErrors) {
		p("  server error     %d × %s", d.ServerErrors[k], k)
	}
	for _, k := range sortedKeys(d.ClosedByServer) {
		p("  closed by server %d × %s", d.ClosedByServer[k], k)
	}
}

func verdict(p func(string, ...any), ok bool, errText string) {
	if errText != "" {
		p("  error            %s", errText)
	}
	if ok {
		p("  result           complete: nothing lost, duplicated or reordered")
	} else {
		p("  result           INCOMPLETE")
	}
}

// fanoutSummary prints one fan-out run.
func fanoutSummary(p func(string, ...any), r *fanoutResult) {
	p("fanout on %s: %d clients in %q, %d senders × %d messages of %d bytes, window %d, %s",
		r.Server, r.Clients, r.Room, r.Senders, r.Messages, r.Size, r.Window, r.Writes)
	p("  connected in     %.2f s", r.ConnectSeconds)
	p("  sending took     %.3f s", r.Seconds)
	if r.Sent < r.Planned {
		p("  stopped early    %d of %d messages sent", r.Sent, r.Planned)
	}
	p("  deliveries       %d of %d expected (lost %d, duplicates %d, order violations %d)",
		r.Received, r.Expected, r.Lost, r.Duplicates, r.OrderViolations)
	p("  throughput       %.0f deliveries/s (%.0f messages/s)", r.DeliveriesPerSec, r.MessagesPerSec)
	if r.ServerPID > 0 {
		p("  server CPU       %.2f s, %.3f µs per delivery", r.ServerCPUSeconds, r.ServerCPUPerDeliveryUsec)
	}
	p("  chatbench CPU    %.2f s, %.3f µs per delivery", r.ToolCPUSeconds, r.ToolCPUPerDeliveryUsec)
	natsSummary(p, r.natsFigures)
	if r.MachineShare > 0 {
		p("  machine share    %.0f %% of %d CPUs; CPU-bound rate %.0f deliveries/s", 100*r.MachineShare, r.CPUs, r.CPUBoundPerSec)
	}
	problems(p, r.deliveryStats)
	verdict(p, r.Complete, r.Error)
}
