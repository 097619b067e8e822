package client

import (
	"cmp"
	"slices"
	"strings"

	"github.com/multichat/multichat/net/wire"
)

// maxList bounds a member or room list being assembled from chunks, so that a
// server that never sends the last chunk cannot grow it without end.
const maxList = 1 << 17

// roster is one room's member list as the session knows it: sorted
// case-insensitively, each name with its fold key.
type roster struct {
	name    string   // the room's name as the server spells it
	users   []member // sorted
	chunk   []string // a UserList being assembled
	pending bool     // chunk is in progress
}

type member struct {
	key  string // wire.FoldKey(nick)
	nick string
}

func compareMembers(a, b member) int {
	return cmp.Or(strings.Compare(a.key, b.key), strings.Compare(a.nick, b.nick))
}

// set replaces the list.
func (r *roster) set(nicks []string) {
	r.users = r.users[:0]
	for _, n := range nicks {
		r.users = append(r.users, member{key: wire.FoldKey(n), nick: n})
	}
	slices.SortFunc(r.users, compareMembers)
	r.users = slices.CompactFunc(r.users, func(a, b member) bool { return a.key == b.key })
}

// add inserts nick unless someone with the same fold key is listed.
func (r *roster) add(nick string) {
	m := member{key: wire.FoldKey(nick), nick: nick}
	i, _ := slices.BinarySearchFunc(r.users, m, compareMembers)
	if i > 0 && r.users[i-1].key == m.key || i < len(r.users) && r.users[i].key == m.key {
		return
	}
	r.users = slices.Insert(r.users, i, m)
}

// remove deletes nick (matched by fold key).
func (r *roster) remove(nick string) {
	key := wire.FoldKey(nick)
	r.users = slices.DeleteFunc(r.users, func(m member) bool { return m.key == key })
}

// list returns a copy of the names, for an event.
func (r *roster) list() []string {
	out := make([]string, len(r.users))
	for i, m := range r.users {
		out[i] = m.nick
	}
	return out
}

// roomSet is an ordered set of room names, matched by fold key.
type roomSet []string

func (s roomSet) index(name string) int {
	key := wire.FoldKey(name)
	return slices.IndexFunc(s, func(n string) bool { return wire.FoldKey(n) == key })
}

func (s roomSet) has(name string) bool { return s.index(name) >= 0 }

func (s *roomSet) add(name string) {
	if !s.has(name) {
		*s = append(*s, name)
	}
}

func (s *roomSet) remove(name string) {
	if i := s.index(name); i >= 0 {
		*s = slices.Delete(*s, i, i+1)
	}
}

// addMarks records the gateway marks (wire.UserList.Via) of users in marks,
// by fold key, and forgets a mark a user no longer has; it returns marks
// (allocated on the first mark).
func addMarks(marks map[string]string, users, via []string) map[string]string {
	for i, u := range users {
		if v := wire.ViaOf(via, i); v != "" {
			if marks == nil {
				marks = make(map[string]string)
			}
			marks[wire.FoldKey(u)] = v
		} else if marks != nil {
			delete(marks, wire.FoldKey(u))
		}
	}
	return marks
}

// marksOf returns the marks of nicks, by nick, or nil when none has one.
func marksOf(marks map[string]string, nicks []string) map[string]string {
	if len(marks) == 0 {
		return nil
	}
	var out map[string]string
	for _, n := range nicks {
		if v := marks[wire.FoldKey(n)]; v != "" {
			if out == nil {
				out = make(map[string]string)
			}
			out[n] = v
		}
	}
	return out
}
