package cluster

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Errors of Claim.
var (
	// ErrTaken: another device holds the nickname (online, or within the
	// grace period after it left).
	ErrTaken = errors.New("the nickname is taken on another server of the cluster")
	// ErrUnavailable: the cluster's nickname store cannot be reached (too
	// few servers up for JetStream); the claim may succeed later.
	ErrUnavailable = errors.New("the cluster cannot check nicknames right now")
)

// holder is a bucket entry: which device holds a nickname key, through which
// server, and whether it is online (else since when it is not).
type holder struct {
	Device [32]byte `json:"d"`
	Server string   `json:"s"`
	Online bool     `json:"on"`
	Token  string   `json:"c,omitempty"` // the claim's: only it releases the entry
	At     int64    `json:"at"`          // unix ms: when it went offline (or claimed)
	Free   bool     `json:"free,omitempty"`
}

type release struct {
	keys   []string
	device [32]byte
	token  string
	free   bool
	forget bool // any device's entry, if offline (the administrator's Release)
}

// nicks keeps nicknames unique across the cluster: one key per look-alike
// key of a nickname, created if absent (JetStream's compare-and-set makes
// exactly one of racing claims win).
type nicks struct {
	n     *Node
	ready chan struct{} // closed once kv is set
	kv    jetstream.KeyValue
	rel   chan release
	ctx   context.Context
	stop  context.CancelFunc
}

func newNicks(n *Node) *nicks {
	ctx, stop := context.WithCancel(context.Background())
	return &nicks{n: n, ready: make(chan struct{}), rel: make(chan release, 4096), ctx: ctx, stop: stop}
}

func (k *nicks) close() { k.stop() }

// run makes the bucket (retrying until JetStream is ready), then carries out
// releases in order.
func (k *nicks) run() {
	defer k.n.wg.Done()
	js, err := jetstream.New(k.n.nc)
	if err != nil {
		k.n.log.Error("cluster: JetStream", "err", err)
		return
	}
	for delay := 100 * time.Millisecond; ; delay = min(2*delay, 2*time.Second) {
		kv, err := k.bucket(js)
		var id string
		if err == nil {
			id, err = k.clusterID(kv)
		}
		if err == nil {
			k.kv = kv
			k.n.clusterID.Store(&id)
			close(k.ready)
			k.n.deliver(Formed{ID: id})
			break
		}
		k.n.log.Debug("cluster: nickname bucket not ready", "err", err)
		t := time.NewTimer(delay)
		select {
		case <-k.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	k.n.log.Info("cluster nickname bucket ready")
	for {
		select {
		case <-k.ctx.Done():
			return
		case r := <-k.rel:
			for _, key := range r.keys {
				k.releaseOne(key, r)
			}
		}
	}
}

func (k *nicks) bucket(js jetstream.JetStream) (jetstream.KeyValue, error) {
	ctx, cancel := context.WithTimeout(k.ctx, 5*time.Second)
	defer cancel()
	name := k.n.cfg.Prefix + "_nicks"
	if kv, err := js.KeyValue(ctx, name); err == nil {
		return kv, nil
	}
	replicas := 1
	if k.n.ns != nil {
		replicas = min(3, 1+len(k.n.cfg.Peers))
	}
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: name, History: 1, Replicas: replicas,
		Storage: jetstream.FileStorage, Description: "MultiChat nicknames bound to devices"})
	if err != nil && replicas > 1 && k.n.ns == nil {
		kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: name, History: 1, Storage: jetstream.FileStorage})
	}
	return kv, err
}

// clusterKey holds the cluster's id in the bucket (nickname keys start with
// "n").
const clusterKey = "cluster"

// clusterID reads the cluster's id from the bucket; the first server to
// find none makes one (a random one: two clusters on one LAN differ).
func (k *nicks) clusterID(kv jetstream.KeyValue) (string, error) {
	ctx, cancel := context.WithTimeout(k.ctx, 5*time.Second)
	defer cancel()
	var b [8]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	if _, err := kv.Create(ctx, clusterKey, []byte(id)); err == nil {
		return id, nil
	} else if !errors.Is(err, jetstream.ErrKeyExists) {
		return "", err
	}
	e, err := kv.Get(ctx, clusterKey)
	if err != nil {
		return "", err
	}
	return string(e.Value()), nil
}

// keyOf turns a look-alike key (any Unicode) into a bucket key.
func keyOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "n" + hex.EncodeToString(sum[:16])
}

// Claim binds the nickname keys to device, through this server, or fails
// with ErrTaken (another device holds one of them) or ErrUnavailable. A
// device may claim what it holds already (it reconnects, maybe to another
// server). token names this claim (one per connection): Release with another
// token leaves it alone. Blocking: call it from a connection's goroutine,
// not the hub's.
func (n *Node) Claim(ctx context.Context, keys []string, device [32]byte, token string) error {
	k := n.nicks
	select {
	case <-k.ready:
	case <-ctx.Done():
		return fmt.Errorf("%w: %v", ErrUnavailable, ctx.Err())
	case <-k.ctx.Done():
		return ErrUnavailable
	}
	var created []string
	for _, key := range keys {
		made, err := k.claimOne(ctx, keyOf(key), device, token)
		if err != nil {
			for _, c := range created {
				k.kv.Delete(context.WithoutCancel(ctx), c)
			}
			return err
		}
		if made {
			created = append(created, keyOf(key))
		}
	}
	return nil
}

func (k *nicks) claimOne(ctx context.Context, key string, device [32]byte, token string) (created bool, err error) {
	val, _ := json.Marshal(holder{Device: device, Server: k.n.cfg.ID, Online: true, Token: token, At: time.Now().UnixMilli()})
	for range 8 {
		if _, err := k.kv.Create(ctx, key, val); err == nil {
			return true, nil
		} else if !errors.Is(err, jetstream.ErrKeyExists) {
			return false, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		e, err := k.kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		var h holder
		if json.Unmarshal(e.Value(), &h) == nil && h.Device != device && k.held(h) {
			return false, ErrTaken
		}
		if _, err := k.kv.Update(ctx, key, val, e.Revision()); err == nil {
			return false, nil
		}
		// Someone else changed it meanwhile: look again.
	}
	return false, ErrTaken
}

// held reports whether an entry still binds its nickname: online through a
// server that is up, or within the grace period since it left or its
// server was last heard.
func (k *nicks) held(h holder) bool {
	if h.Free {
		return false
	}
	now := time.Now()
	grace := k.n.cfg.Grace
	if !h.Online {
		return now.Sub(time.UnixMilli(h.At)) < grace
	}
	up, seen := k.n.alive(h.Server)
	if up {
		return true
	}
	if seen.IsZero() { // never heard here: count from when it claimed
		seen = time.UnixMilli(h.At)
	}
	return now.Sub(seen) < grace
}

// Release marks the nickname keys that claim token bound to device offline
// (they stay bound to the device for the grace period; free: not at all, for
// users without a device or refused ones). A claim made since, by another
// connection of the device, is left alone. It does not wait.
func (n *Node) Release(keys []string, device [32]byte, token string, free bool) {
	n.queueRelease(release{keys: keys, device: device, token: token, free: free})
}

// Forget frees the nickname keys for anyone at once, unless their device is
// online (the administrator's Release). It does not wait.
func (n *Node) Forget(keys []string) { n.queueRelease(release{keys: keys, forget: true}) }

func (n *Node) queueRelease(r release) {
	select {
	case n.nicks.rel <- r:
	default:
		n.log.Warn("cluster: nickname releases queue full; dropping one", "keys", len(r.keys))
	}
}

func (k *nicks) releaseOne(key string, r release) {
	ctx, cancel := context.WithTimeout(k.ctx, 5*time.Second)
	defer cancel()
	key = keyOf(key)
	for range 4 {
		e, err := k.kv.Get(ctx, key)
		if err != nil {
			return
		}
		var h holder
		if json.Unmarshal(e.Value(), &h) != nil {
			return
		}
		switch {
		case r.forget && h.Online:
			return // back online meanwhile
		case r.forget:
			h.Free = true
		case h.Device != r.device || h.Token != r.token || !h.Online:
			return // claimed again meanwhile (the device reconnected, here or to another server)
		default:
			h.Online, h.At, h.Free = false, time.Now().UnixMilli(), r.free
		}
		val, _ := json.Marshal(h)
		if _, err := k.kv.Update(ctx, key, val, e.Revision()); err == nil {
			return
		}
	}
}

// Ready waits until the nickname bucket can be used (JetStream has elected
// its leaders), or ctx ends.
func (n *Node) Ready(ctx context.Context) error {
	select {
	case <-n.nicks.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
