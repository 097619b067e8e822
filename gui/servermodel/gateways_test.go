package servermodel

import "testing"

func TestGatewayText(t *testing.T) {

	for _, c := range []struct {
		st   GatewayStatus
		want string
	}{
		{GatewayStatus{}, "Only MultiChat clients can join."},
		{GatewayStatus{Classic: true}, "Classic clients: port 7878 (the MultiChat port, unencrypted)"},
		{GatewayStatus{IRC: true, IRCPlain: "[::]:6667", IRCTLS: "0.0.0.0:6697"}, "IRC: port 6667 (plain), 6697 (TLS)"},
		{GatewayStatus{Classic: true, IRC: true, IRCTLS: "127.0.0.1:6697", Problem: "plain IRC is off"},
			"Classic clients: port 7878 (the MultiChat port, unencrypted) · IRC: port 6697 (TLS) · plain IRC is off"},
		{GatewayStatus{Problem: "IRC could not start: address in use"}, "IRC could not start: address in use"},
	} {
		if got := GatewayText(c.st, "7878"); got != c.want {
			t.Errorf("GatewayText(%+v) = %q, want %q", c.st, got, c.want)
		}
	}
}
