package main

import (
	"log/slog"
	"path/filepath"

	"github.com/multichat/multichat/net/datadir"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/store"
)

// openHistory opens the history database and sets cfg to use it: for the
// bans and the audit log always (they must survive restarts), for the
// history when the options ask for it. When it cannot be opened the server
// runs without them and cfg.HistoryErr says why (Run reports it). The
// returned close, never nil, is called after Run returns: it writes what is
// still queued.
func openHistory(o options, cfg *server.Config, log *slog.Logger) (close func()) {
	fail := func(err error) func() {
		if o.History {
			cfg.HistoryErr = err
		} else {
			log.Warn("bans and the audit log are kept in memory only", "err", err)
		}
		return func() {}
	}
	dir, err := datadir.Resolve(o.DataDir)
	if err != nil {
		return fail(err)
	}
	st, err := store.Open(filepath.Join(dir, store.File), store.Options{Logger: log, KeepDays: o.KeepDays})
	if err != nil {
		return fail(err)
	}
	cfg.Moderation = st
	if o.History {
		log.Info("history", "database", st.Path(), "keep days", o.KeepDays)
		cfg.History = st
	}
	return func() {
		if err := st.Close(); err != nil {
			log.Error("history: closing the database", "err", err)
		}
	}
}
