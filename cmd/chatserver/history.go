package main

import (
	"log/slog"
	"path/filepath"

	"github.com/multichat/multichat/net/datadir"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/store"
)

// openHistory opens the history database the options ask for and sets cfg
// to use it; when it cannot be opened the server runs without history and
// cfg.HistoryErr says why (Run reports it). The returned close, never nil,
// is called after Run returns: it writes what is still queued.
func openHistory(o options, cfg *server.Config, log *slog.Logger) (close func()) {
	if !o.History {
		return func() {}
	}
	dir, err := datadir.Resolve(o.DataDir)
	if err != nil {
		cfg.HistoryErr = err
		return func() {}
	}
	st, err := store.Open(filepath.Join(dir, store.File), store.Options{Logger: log, KeepDays: o.KeepDays})
	if err != nil {
		cfg.HistoryErr = err
		return func() {}
	}
	log.Info("history", "database", st.Path(), "keep days", o.KeepDays)
	cfg.History = st
	return func() {
		if err := st.Close(); err != nil {
			log.Error("history: closing the database", "err", err)
		}
	}
}
