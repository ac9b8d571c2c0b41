package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/content"
	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/static"
)

// app is the running portal: its store and its web server.
type app struct {
	cfg    *Config
	log    *slog.Logger
	store  *models.Store
	def    *diagnostic.Definition
	server *http.Server
	echo   *echo.Echo
}

// newApp loads and validates the content, opens and migrates the database
// and builds the web server. It starts nothing.
func newApp(ctx context.Context, cfg *Config, log *slog.Logger) (*app, error) {
	article, err := content.ParseArticle(content.ArticleMarkdown)
	if err != nil {
		return nil, fmt.Errorf("content: %w", err)
	}
	def, err := diagnostic.Parse(content.DiagnosticJSON)
	if err != nil {
		return nil, fmt.Errorf("content/diagnostic.json: %w", err)
	}
	for _, d := range def.Dimensions {
		if !article.HasSection(d.Advice.Section) {
			return nil, fmt.Errorf("content/diagnostic.json: dimension %q: advice links to section %q, which the article does not have", d.ID, d.Advice.Section)
		}
	}
	consent, err := diagnostic.ParseConsent(content.ConsentJSON)
	if err != nil {
		return nil, fmt.Errorf("content/consent.json: %w", err)
	}
	assets, err := static.Load()
	if err != nil {
		return nil, fmt.Errorf("static: %w", err)
	}
	if err := cfg.ensureSecret(); err != nil {
		return nil, fmt.Errorf("INTAKE_SECRET: %w", err)
	}

	store, err := models.Open(ctx, cfg.DatabaseURL, cfg.DataDir, models.Options{MaxOpenConns: cfg.DatabaseMaxConn})
	if err != nil {
		return nil, err
	}
	applied, err := store.Migrate(ctx)
	if err != nil {
		store.Close()
		return nil, err
	}
	for _, name := range applied {
		log.Info("applied migration", slog.String("name", name))
	}

	e, err := handlers.NewServer(handlers.Deps{
		Store: store, Article: article, Diagnostic: def, Consent: consent, Assets: assets, Logger: log,
		BaseURL: cfg.BaseURL, BookingURL: cfg.BookingURL, Secret: cfg.Secret, BodyLimit: cfg.BodyLimit,
	})
	if err != nil {
		store.Close()
		return nil, err
	}
	a := &app{cfg: cfg, log: log, store: store, def: def, echo: e}
	a.server = &http.Server{
		Addr:              cfg.Addr,
		Handler:           e,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return a, nil
}

// run serves on ln until ctx is cancelled, then shuts down in order: stop
// taking requests and let those in flight finish, then close the database.
func (a *app) run(ctx context.Context, ln net.Listener) error {
	a.log.Info("serving", slog.String("addr", ln.Addr().String()), slog.String("base_url", a.cfg.BaseURL.String()),
		slog.String("database", a.store.Dialect()))
	serveErr := make(chan error, 1)
	go func() { serveErr <- a.server.Serve(ln) }()

	select {
	case err := <-serveErr:
		a.store.Close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	a.log.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	err := a.server.Shutdown(shutdownCtx)
	if serr := <-serveErr; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if cerr := a.store.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	a.log.Info("stopped")
	return nil
}
