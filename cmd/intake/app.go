package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/riverqueue/river"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/jobs"
	"github.com/stellapop/intake/mail"
	"github.com/stellapop/intake/metrics"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/peer"
	"github.com/stellapop/intake/static"
	"github.com/stellapop/intake/team"
	"github.com/stellapop/intake/webhook"
)

// app is the running portal: its store and its web server.
type app struct {
	cfg   *Config
	log   *slog.Logger
	store *models.Store
	queue *jobs.Queue
	// webhooks queues test events and replays for the integrations page
	// and `intake webhooks`; the store calls it for every lead event.
	webhooks *webhook.Dispatcher
	def      *diagnostic.Definition
	server   *http.Server
	echo     *echo.Echo
	funnel   *handlers.FunnelCounter
	// metrics counts what the app does; metricsServer serves them on
	// METRICS_ADDR (nil when they are served on the site instead).
	metrics       *metrics.Metrics
	metricsServer *http.Server
}

// newApp loads and validates the content, opens and migrates the database
// and builds the web server. It starts nothing.
func newApp(ctx context.Context, cfg *Config, log *slog.Logger) (*app, error) {
	site, err := loadContent(cfg.ContentDir)
	if err != nil {
		return nil, err
	}
	article, def, consent := site.article, site.def, site.consent
	assets, err := static.Load()
	if err != nil {
		return nil, fmt.Errorf("static: %w", err)
	}
	store, err := openStore(ctx, cfg, cfg.DatabaseMaxConn, log)
	if err != nil {
		return nil, err
	}
	m := metrics.New(metrics.Config{DB: store.SQLDB(), Pool: store.PgxPool(), EmailKinds: models.EmailKinds})
	// One benchmark for the result page, its PDF and the summary email, so
	// they share the summary it keeps in memory.
	peers := peer.New(store, cfg.BenchmarkMinLeads)
	queue, err := newQueue(cfg, store, def, consent, peers, m, log)
	if err != nil {
		store.Close()
		return nil, err
	}
	emails := mail.Enqueuer{Queue: queue}
	teamEmails := team.Enqueuer{Queue: queue}
	// The store emits every lead event itself, in the change's transaction
	// (saving, releasing, the pipeline, consent, erasure, retention), so
	// no handler or job needs to know that webhooks exist.
	webhooks := webhook.NewDispatcher(store, queue)
	store.OnLeadEvents(webhooks.EnqueueLeadEvents)

	funnel := handlers.NewFunnelCounter(store, log)
	e, err := handlers.NewServer(handlers.Deps{
		Store: store, Article: article, Diagnostic: def, Consent: consent, Assets: assets, Logger: log,
		OnLeadSaved: emails.EnqueueLeadEmails, QueueEmail: emails.EnqueueEmail,
		Funnel:        funnel,
		WebhookRules:  webhook.EndpointRules{AllowPrivate: cfg.WebhookAllowPrivate},
		Webhooks:      webhooks,
		RetentionDays: cfg.RetentionDays,
		SessionIdle:   cfg.SessionIdle, SessionMaxAge: cfg.SessionMaxAge, TrustedProxies: cfg.TrustedProxies,
		BaseURL: cfg.BaseURL, BookingURL: cfg.BookingURL, Secret: cfg.Secret, BodyLimit: cfg.BodyLimit,
		CalComSecret: cfg.CalComWebhookSecret, CalendlySigningKey: cfg.CalendlySigningKey,
		SubmitMinDelay: cfg.SubmitMinDelay, SubmitRateLimit: cfg.SubmitRateLimit, APIRateLimit: cfg.APIRateLimit,
		TeamMinAnswers: cfg.TeamMinAnswers, InviteRateLimit: cfg.InviteRateLimit,
		OnInvited: teamEmails.EnqueueInvites, OnTeamUnlocked: teamEmails.EnqueueUnlocked,
		EmbedOrigins: cfg.EmbedOrigins,
		Peers:        peers,
		// As many as there are connections: more would only queue for one,
		// and compete for the CPU with those being served.
		InFlightLimit: max(cfg.DatabaseMaxConn, 1),
		Metrics:       m, ServeMetrics: cfg.MetricsAddr == "",
	})
	if err != nil {
		store.Close()
		return nil, err
	}
	a := &app{cfg: cfg, log: log, store: store, queue: queue, webhooks: webhooks, def: def, echo: e}
	a.funnel = funnel
	a.metrics = m
	if cfg.MetricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler())
		// Go's profiles, for finding where time goes under real load. They
		// are served only on this listener, which is meant to be reachable
		// from inside the deployment and never from the public site.
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
		a.metricsServer = &http.Server{
			Addr:              cfg.MetricsAddr,
			Handler:           mux,
			ReadHeaderTimeout: 5 * time.Second,
			// A CPU profile or trace streams for as long as it was asked
			// to run (?seconds=30 by default).
			WriteTimeout: 2 * time.Minute,
			IdleTimeout:  90 * time.Second,
			ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		}
	}
	t := cfg.timeouts
	if t == (serverTimeouts{}) {
		t = defaultServerTimeouts
	}
	a.server = &http.Server{
		Addr:              cfg.Addr,
		Handler:           e,
		ReadHeaderTimeout: t.header,
		ReadTimeout:       t.request,
		WriteTimeout:      t.write,
		IdleTimeout:       t.idle,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if m := newMemoryForConnections(); m != nil {
		a.server.ConnState = m.connState
	}
	return a, nil
}

// serverTimeouts bound how long a client may hold a connection without
// getting on with it, so that slow or stalled clients cannot tie up the
// server's connections: headers sent a byte at a time, a body that never
// comes, an idle keep-alive connection, a reader that stops reading.
type serverTimeouts struct {
	header  time.Duration // to send the request's headers
	request time.Duration // to send its headers and body
	write   time.Duration // to take the answer, from the end of the headers
	idle    time.Duration // between requests on a kept connection
}

var defaultServerTimeouts = serverTimeouts{
	header: 5 * time.Second, request: 15 * time.Second, write: 30 * time.Second, idle: 90 * time.Second,
}

// newQueue builds the job queue: emails go by SMTP when SMTP_URL is set,
// otherwise as .eml files into the outbox; webhook deliveries go through
// their guarded dialler; the daily upkeep (retention, the quarantine and
// delivery log purges) is scheduled by whichever working instance leads.
// With MAIL_WORKERS=0 the process works no job at all and only queues
// them, for `intake worker` to do.
func newQueue(cfg *Config, store *models.Store, def *diagnostic.Definition, consent *diagnostic.Consent, peers *peer.Comparer, m *metrics.Metrics, log *slog.Logger) (*jobs.Queue, error) {
	composer, err := mail.NewComposer(mail.ComposerConfig{
		Diagnostic: def, Consent: consent, BaseURL: cfg.BaseURL, ArticlePath: handlers.ArticlePath,
		BookingURL: cfg.BookingURL, From: cfg.MailFrom, ReplyTo: cfg.MailReplyTo, Team: cfg.TeamEmail, Secret: cfg.Secret,
	})
	if err != nil {
		return nil, err
	}
	var transport mail.Transport
	if cfg.SMTP != nil {
		transport, err = mail.NewSMTPTransport(*cfg.SMTP, cfg.MailWorkers)
	} else {
		transport, err = mail.NewOutboxTransport(filepath.Join(cfg.DataDir, "outbox"), log)
	}
	if err != nil {
		return nil, err
	}
	workers := river.NewWorkers()
	err = mail.AddWorker(workers, store, mail.WorkerConfig{
		Composer: composer, Transport: transport, RetryBase: cfg.mailRetryBase, Metrics: m, Peers: peers,
	}, log)
	if err != nil {
		return nil, err
	}
	err = team.AddWorkers(workers, store, team.MailConfig{
		BaseURL: cfg.BaseURL, From: cfg.MailFrom, Transport: transport, Questions: len(def.Questions),
		Diagnostic: def, Firm: cfg.TeamEmail, Log: log,
	})
	if err != nil {
		return nil, err
	}
	deliveries, err := webhook.AddWorker(workers, store, webhook.WorkerConfig{
		Definition: def, BaseURL: cfg.BaseURL, AllowPrivate: cfg.WebhookAllowPrivate,
		Workers: cfg.WebhookWorkers, RetryBase: cfg.webhookRetryBase, Log: log,
	})
	if err != nil {
		return nil, err
	}
	qc := jobs.Config{
		Workers:  workers,
		Periodic: jobs.AddMaintenance(workers, store, cfg.RetentionDays, log),
		Log:      log,
	}
	if cfg.MailWorkers > 0 {
		qc.Queues = map[string]int{mail.QueueName: cfg.MailWorkers, webhook.QueueName: cfg.WebhookWorkers, jobs.MaintenanceQueue: 1}
	}
	// The mail server's connections kept open between emails end last.
	if c, ok := transport.(io.Closer); ok {
		qc.OnStop = append(qc.OnStop, func() { c.Close() })
	}
	q, err := jobs.New(store, qc)
	if err != nil {
		return nil, err
	}
	deliveries.UseQueue(q)
	return q, nil
}

// run serves on ln until ctx is cancelled, sending queued emails alongside,
// then shuts down in order: stop taking requests and let those in flight
// finish, then let emails being sent finish, then close the database.
func (a *app) run(ctx context.Context, ln net.Listener) error {
	metricsLn, err := a.listenMetrics()
	if err != nil {
		ln.Close()
		a.store.Close()
		return err
	}
	if err := a.queue.Start(ctx); err != nil {
		ln.Close()
		closeListener(metricsLn)
		a.store.Close()
		if ctx.Err() != nil {
			return nil // asked to stop before we started
		}
		return fmt.Errorf("start email workers: %w", err)
	}
	// Start-up (migrations, templates, pages rendered and compressed)
	// leaves garbage that the collector, tuned to run seldom, would keep
	// until load comes: hand it back before serving.
	debug.FreeOSMemory()
	a.logFirstAdminHint(ctx)
	a.log.Info("serving", slog.String("addr", ln.Addr().String()), slog.String("base_url", a.cfg.BaseURL.String()),
		slog.String("database", a.store.Dialect()), slog.Int("mail_workers", a.cfg.MailWorkers), slog.Bool("smtp", a.cfg.SMTP != nil))
	serveErr := make(chan error, 1)
	go a.funnel.Run(ctx)
	go func() { serveErr <- a.server.Serve(ln) }()
	a.serveMetrics(metricsLn)

	select {
	case err = <-serveErr:
		err = fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
		a.log.Info("shutting down: finishing requests in flight")
		shutdownCtx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
		defer cancel()
		err = a.server.Shutdown(shutdownCtx)
		if errors.Is(err, context.DeadlineExceeded) {
			// Connections still open after SHUTDOWN_TIMEOUT are cut: the stop
			// was asked for and keeps its time limit. net/http counts a
			// connection that has sent nothing yet as busy for 5 seconds,
			// so this is often a client's spare connection, not a request.
			a.log.Warn("connections still open after SHUTDOWN_TIMEOUT were closed", slog.Duration("shutdown_timeout", a.cfg.ShutdownTimeout))
			err = a.server.Close()
		}
		if serr := <-serveErr; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
	}
	return a.stop(err)
}

// logFirstAdminHint tells whoever starts a new site how to sign in to the
// workspace, which has no default account.
func (a *app) logFirstAdminHint(ctx context.Context) {
	n, err := a.store.CountUsers(ctx)
	switch {
	case err != nil:
		a.log.Warn("could not count workspace users", slog.Any("error", err))
	case n == 0:
		a.log.Info(`no workspace user yet: create the first admin with "intake user add EMAIL --role admin"`)
	}
}

// work sends queued emails until ctx is cancelled: `intake worker`.
func (a *app) work(ctx context.Context) error {
	metricsLn, err := a.listenMetrics()
	if err != nil {
		a.store.Close()
		return err
	}
	if err := a.queue.Start(ctx); err != nil {
		closeListener(metricsLn)
		a.store.Close()
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("start email workers: %w", err)
	}
	a.log.Info("sending queued emails", slog.String("database", a.store.Dialect()), slog.Int("mail_workers", a.cfg.MailWorkers))
	a.serveMetrics(metricsLn)
	<-ctx.Done()
	a.log.Info("shutting down: finishing emails being sent")
	return a.stop(nil)
}

// stop lets the workers finish, then closes the database.
func (a *app) stop(err error) error {
	stopCtx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	// Requests have finished: save the funnel counts they made.
	if ferr := a.funnel.Flush(stopCtx); ferr != nil && err == nil {
		err = fmt.Errorf("save funnel counts: %w", ferr)
	}
	if qerr := a.queue.Stop(stopCtx); qerr != nil && err == nil {
		err = fmt.Errorf("stop email workers: %w", qerr)
	}
	// Scrapes read the database: stop them before it closes.
	if a.metricsServer != nil {
		if merr := a.metricsServer.Shutdown(stopCtx); merr != nil && err == nil {
			err = fmt.Errorf("stop metrics listener: %w", merr)
		}
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

// listenMetrics opens METRICS_ADDR, when set, so a taken port stops the
// start before anything runs; nil when metrics are served on the site.
func (a *app) listenMetrics() (net.Listener, error) {
	if a.metricsServer == nil {
		return nil, nil
	}
	ln, err := net.Listen("tcp", a.cfg.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on METRICS_ADDR %s: %w", a.cfg.MetricsAddr, err)
	}
	return ln, nil
}

// serveMetrics serves /metrics on ln until stop shuts the listener down.
func (a *app) serveMetrics(ln net.Listener) {
	if ln == nil {
		return
	}
	a.log.Info("serving metrics", slog.String("addr", ln.Addr().String()))
	go func() {
		if err := a.metricsServer.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("metrics listener stopped", slog.Any("error", err))
		}
	}()
}

func closeListener(ln net.Listener) {
	if ln != nil {
		ln.Close()
	}
}
