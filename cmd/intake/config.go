package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/stellapop/intake/framing"
	"github.com/stellapop/intake/mail"
	"github.com/stellapop/intake/peer"
	"github.com/stellapop/intake/team"
	"github.com/stellapop/intake/webhook"
)

// Config is every setting, read from the environment once at start.
type Config struct {
	SMTP            *mail.SMTP // nil: write emails to the outbox
	MailFrom        *netmail.Address
	TeamEmail       []*netmail.Address
	MailReplyTo     *netmail.Address
	MailWorkers     int
	TrustedProxies  []*net.IPNet
	SessionIdle     time.Duration
	SessionMaxAge   time.Duration
	RetentionDays   int
	mailRetryBase   time.Duration // first retry's delay; tests shorten it
	Addr            string
	MetricsAddr     string // "": metrics are served to admins on the site
	BaseURL         *url.URL
	DataDir         string
	DatabaseURL     string
	DatabaseMaxConn int
	Secret          []byte
	BookingURL      string
	// CalComWebhookSecret and CalendlySigningKey turn on the booking
	// receivers; nil: each is off.
	CalComWebhookSecret []byte
	CalendlySigningKey  []byte
	ContentDir          string   // "": the embedded content only
	EmbedOrigins        []string // sites allowed to frame /embed/diagnostic
	BodyLimit           string
	SubmitMinDelay      time.Duration
	SubmitRateLimit     int
	APIRateLimit        int
	TeamMinAnswers      int // answers a team view unlocks at, never below team.MinAnswers
	InviteRateLimit     int // invitation lists a client address may send a minute
	BenchmarkMinLeads   int // other results a peer benchmark needs; 0: none shown
	// WebhookAllowPrivate lets webhook endpoints be on loopback and
	// private networks, and plain http:// there.
	WebhookAllowPrivate bool
	WebhookWorkers      int
	webhookRetryBase    time.Duration  // first retry's delay; tests shorten it
	timeouts            serverTimeouts // zero: defaultServerTimeouts; tests shorten them
	ShutdownTimeout     time.Duration
	LogLevel            slog.Level
	LogFormat           string
	LogFlush            time.Duration // 0: every line written at once
}

// option is one setting: its variable, default, meaning, and how to apply it.
// `intake help` and docs/configuration.md are made from these fields alone.
type option struct {
	Name    string
	Default string // the value applied when the variable is unset or empty
	Unset   string // when Default is empty: what leaving it unset means
	Help    string // the full meaning, in Markdown (code in backticks)
	Secret  bool   // never printed or logged
	apply   func(c *Config, v string) error
}

// options is the one table of settings: loadConfig applies it, and the
// help and docs/configuration.md describe it.
//
//go:generate sh -c "go run . help --markdown > ../../docs/configuration.md"
var options = []option{
	{Name: "INTAKE_ADDR", Default: "127.0.0.1:8080", Help: "Address the web server listens on (host:port). The Docker image sets `0.0.0.0:8080`.",
		apply: func(c *Config, v string) error {
			c.Addr = v
			return checkHostPort(v, "127.0.0.1:8080 or :8080")
		}},
	{Name: "METRICS_ADDR", Unset: "unset: `/admin/metrics` on the site, for signed-in admins",
		Help: "Address (host:port) of a separate listener serving Prometheus metrics at `/metrics` and Go's profiles at `/debug/pprof/`, without sign-in, for `intake serve` and `intake worker`; keep it on a private network.",
		apply: func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			c.MetricsAddr = v
			return checkHostPort(v, "127.0.0.1:9090")
		}},
	{Name: "BASE_URL", Unset: "`http://` + `INTAKE_ADDR` (`localhost` for an unspecified host)",
		Help: "Public address of the site, used in canonical links and emails; `https` turns on secure cookies and HSTS.",
		apply: func(c *Config, v string) error {
			if v == "" {
				host, port, _ := net.SplitHostPort(c.Addr)
				if host == "" || host == "0.0.0.0" || host == "::" {
					host = "localhost"
				}
				v = "http://" + net.JoinHostPort(host, port)
			}
			u, err := url.Parse(strings.TrimRight(v, "/"))
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
				return errors.New("want an absolute http or https URL without query or credentials, such as https://intake.example.com")
			}
			if u.Path != "" {
				return errors.New("the site must be served at the root of its host; remove the path")
			}
			c.BaseURL = u
			return nil
		}},
	{Name: "INTAKE_DATA_DIR", Default: "./data", Help: "Directory for the embedded database, the generated secret and the mail outbox.",
		apply: func(c *Config, v string) error {
			if strings.TrimSpace(v) == "" {
				return errors.New("must not be blank")
			}
			c.DataDir = filepath.Clean(v)
			return nil
		}},
	{Name: "INTAKE_CONTENT_DIR", Unset: "unset: the content built into the binary",
		Help: "A folder holding the firm's own `leadership-vs-management.md`, `diagnostic.json` and/or `consent.json`; each file there replaces the built-in one, the others stay. They are read and checked at start like the built-in ones, so edit, bump the version and restart; a broken file stops the start with a message naming it.",
		apply: func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			fi, err := os.Stat(v)
			if err != nil {
				return fmt.Errorf("cannot read the folder: %w", err)
			}
			if !fi.IsDir() {
				return errors.New("not a folder")
			}
			c.ContentDir = filepath.Clean(v)
			return nil
		}},
	{Name: "DATABASE_URL", Unset: "unset: embedded SQLite in `INTAKE_DATA_DIR`", Secret: true,
		Help: "PostgreSQL URL, e.g. `postgres://intake:secret@db:5432/intake?sslmode=require`. The embedded SQLite is for one machine.",
		apply: func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
				return errors.New("want a postgres:// URL, or leave it unset for the embedded database")
			}
			c.DatabaseURL = v
			return nil
		}},
	{Name: "DATABASE_MAX_CONNS", Default: "10",
		Help: "Most PostgreSQL connections one instance opens. As many requests that use the database are served at once; one more waits at most 250 ms for a turn, then gets a 503 with `Retry-After` (the diagnostic comes back with every answer kept), so a load larger than the machine can serve is refused quickly instead of piling up into timeouts.",
		apply: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1000 {
				return errors.New("want a whole number from 1 to 1000")
			}
			c.DatabaseMaxConn = n
			return nil
		}},
	{Name: "INTAKE_SECRET", Unset: "generated once into `INTAKE_DATA_DIR/secret.key`", Secret: true,
		Help: "Key that signs form tokens, at least 32 characters. Give every instance the same value: the first start records its fingerprint (never the key) in the database, and an instance with another key is refused.",
		apply: func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			if len(v) < 32 {
				return fmt.Errorf("must be at least 32 characters (it has %d)", len(v))
			}
			c.Secret = []byte(v)
			return nil
		}},
	{Name: "BOOKING_URL", Default: "mailto:hello@stellapop.com?subject=Booking%20a%20conversation", Help: "Where \"Book a conversation\" leads: an `https://` booking page or a `mailto:` address. A Cal.com (`cal.com`, `app.cal.com`) or Calendly (`calendly.com`) link opens filled in with the visitor's name, email and result link (see [bookings.md](bookings.md)).",
		apply: func(c *Config, v string) error {
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "mailto") {
				return errors.New("want an https:// or mailto: link")
			}
			c.BookingURL = v
			return nil
		}},
	{Name: "CALCOM_WEBHOOK_SECRET", Unset: "unset: `POST /hooks/bookings/cal` is off (404)", Secret: true,
		Help: "The secret of the Cal.com webhook that tells Intake of bookings (see [bookings.md](bookings.md)): deliveries whose `X-Cal-Signature-256` does not match it are refused.",
		apply: func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			if len(v) < 16 {
				return fmt.Errorf("must be at least 16 characters (it has %d)", len(v))
			}
			c.CalComWebhookSecret = []byte(v)
			return nil
		}},
	{Name: "CALENDLY_WEBHOOK_SIGNING_KEY", Unset: "unset: `POST /hooks/bookings/calendly` is off (404)", Secret: true,
		Help: "The signing key of the Calendly webhook subscription that tells Intake of bookings (see [bookings.md](bookings.md)): deliveries whose `Calendly-Webhook-Signature` does not match it, or is more than 3 minutes old, are refused.",
		apply: func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			if len(v) < 16 {
				return fmt.Errorf("must be at least 16 characters (it has %d)", len(v))
			}
			c.CalendlySigningKey = []byte(v)
			return nil
		}},
	{Name: "EMBED_ORIGINS", Unset: "unset: no site may frame the diagnostic, and `/embed/diagnostic` answers 404",
		Help: "Origins allowed to show the diagnostic in a frame with `static/embed.js` (see docs/embedding.md), comma-separated, such as `https://www.stellapop.com, https://blog.stellapop.com`. Each is `https://` and a host (and port), without a path; `http://localhost[:port]` and `http://127.0.0.1[:port]` are allowed for development. Every other page refuses to be framed.",
		apply: func(c *Config, v string) error {
			origins, err := framing.ParseOrigins(v)
			c.EmbedOrigins = origins
			return err
		}},
	{Name: "SMTP_URL", Unset: "unset: each email is written to `INTAKE_DATA_DIR/outbox/` as a `.eml` file", Secret: true,
		Help: "Mail server. `smtp://[user:pass@]host:port` requires STARTTLS (port 587 by default); `smtps://…` uses TLS from the start (port 465); `smtp://host:port?tls=none` is the explicit opt-out for a local server without TLS. A broken value stops the start.",
		apply: func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			s, err := mail.ParseSMTPURL(v)
			if err != nil {
				return err
			}
			c.SMTP = &s
			return nil
		}},
	{Name: "MAIL_FROM", Default: "StellaPop Management Consulting <hello@stellapop.com>", Help: "Sender of every email.",
		apply: func(c *Config, v string) error {
			a, err := mail.ParseAddress(v)
			c.MailFrom = a
			return err
		}},
	{Name: "TEAM_EMAIL", Default: "consulting@stellapop.com", Help: "Who is told of each new lead and each team view that unlocks: one or more addresses, comma-separated.",
		apply: func(c *Config, v string) error {
			list, err := mail.ParseAddressList(v)
			c.TeamEmail = list
			return err
		}},
	{Name: "MAIL_REPLY_TO", Unset: "unset: replies go to `MAIL_FROM`", Help: "Where the prospect's replies go. (The team's notification always replies to the prospect.)",
		apply: func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			a, err := mail.ParseAddress(v)
			c.MailReplyTo = a
			return err
		}},
	{Name: "MAIL_WORKERS", Default: strconv.Itoa(mail.DefaultWorkers), Help: "Emails one process sends at once. `0` makes `intake serve` work no jobs at all (emails, webhook deliveries, the daily upkeep) and only queue them, for `intake worker` processes to do.",
		apply: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 100 {
				return errors.New("want a whole number from 0 to 100")
			}
			c.MailWorkers = n
			return nil
		}},
	{Name: "WEBHOOK_ALLOW_PRIVATE_NETWORKS", Default: "false",
		Help: "`true` lets webhook endpoints be on loopback and private networks (and plain `http://` there), for receivers on the firm's own network and for tests. Otherwise only `https://` endpoints on public addresses are accepted, checked on the address each delivery connects to.",
		apply: func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return errors.New("want true or false")
			}
			c.WebhookAllowPrivate = b
			return nil
		}},
	{Name: "WEBHOOK_WORKERS", Default: strconv.Itoa(webhook.DefaultWorkers),
		Help: "Webhook deliveries one process makes at once. Each waits up to 10 seconds for its receiver, so a slow one holds a worker, never a submission. As with emails, a process with `MAIL_WORKERS=0` delivers none.",
		apply: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 100 {
				return errors.New("want a whole number from 1 to 100")
			}
			c.WebhookWorkers = n
			return nil
		}},
	{Name: "TRUSTED_PROXIES", Unset: "none: the connection's address is the client's",
		Help: "Comma-separated addresses or CIDR ranges of reverse proxies whose `X-Forwarded-For` is believed when throttling sign-ins.",
		apply: func(c *Config, v string) error {
			for _, part := range strings.Split(v, ",") {
				part = strings.TrimSpace(part)
				if part == "" {
					continue
				}
				if !strings.Contains(part, "/") {
					if ip := net.ParseIP(part); ip != nil && ip.To4() != nil {
						part += "/32"
					} else {
						part += "/128"
					}
				}
				_, n, err := net.ParseCIDR(part)
				if err != nil {
					return fmt.Errorf("%q is not an address or CIDR range", part)
				}
				c.TrustedProxies = append(c.TrustedProxies, n)
			}
			return nil
		}},
	{Name: "SESSION_IDLE_TIMEOUT", Default: "2h", Help: "A workspace session unused this long ends.",
		apply: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < time.Minute {
				return errors.New("want a duration of at least 1m, such as 2h")
			}
			c.SessionIdle = d
			return nil
		}},
	{Name: "SESSION_MAX_AGE", Default: "12h", Help: "A workspace session ends this long after sign-in, however active.",
		apply: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < time.Minute {
				return errors.New("want a duration of at least 1m, such as 12h")
			}
			c.SessionMaxAge = d
			return nil
		}},
	{Name: "RETENTION_DAYS", Default: "730", Help: "Leads older than this many days are anonymised by a daily job (and by `intake retention`); the privacy page states it.",
		apply: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 30 || n > 3650 {
				return errors.New("want a whole number of days from 30 to 3650")
			}
			c.RetentionDays = n
			return nil
		}},
	{Name: "SUBMIT_MIN_SECONDS", Default: "3", Help: "A diagnostic sent sooner than this after its form was served, or whose form stamp is missing, altered or more than a day old, is quarantined instead of emailed. `0` turns these timing checks off, for load tests.",
		apply: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 600 {
				return errors.New("want a whole number of seconds from 0 to 600")
			}
			c.SubmitMinDelay = time.Duration(n) * time.Second
			return nil
		}},
	{Name: "SUBMIT_RATE_LIMIT", Default: "10", Help: "Diagnostic submissions, and separately sign-in attempts, one client address may send per clock minute; more get a 429 with `Retry-After` set to the seconds left in that minute (the diagnostic comes back with every answer kept). The count starts again as each minute begins, so a burst across a minute's end can reach twice the limit. It is counted in the database on PostgreSQL, so it holds across instances, and in memory on SQLite, by the same rule. It also caps the diagnostic's step beacons (`POST /diagnostic/steps`, for the dashboard's \"Where visitors stop\") at 2 × the number of steps × this number a minute per address. `0` turns the limit off, for load tests.",
		apply: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 100000 {
				return errors.New("want a whole number from 0 to 100000")
			}
			c.SubmitRateLimit = n
			return nil
		}},
	{Name: "API_RATE_LIMIT", Default: "600", Help: "Requests one API token may make per clock minute; more get a 429 problem with `Retry-After` set to the seconds left in that minute. Counted in the database on PostgreSQL, so it holds across instances, and in memory on SQLite. `0` turns the limit off.",
		apply: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 100000 {
				return errors.New("want a whole number from 0 to 100000")
			}
			c.APIRateLimit = n
			return nil
		}},
	{Name: "TEAM_MIN_ANSWERS", Default: "3", Help: "How many invited colleagues must answer before a lead's team view unlocks (the result page's team section, `/results/{token}/team` and the inviter's email). Never less than 3, so no answer can be worked out from the averages.",
		apply: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < team.MinAnswers || n > team.MaxPerLead {
				return fmt.Errorf("want a whole number from %d to %d", team.MinAnswers, team.MaxPerLead)
			}
			c.TeamMinAnswers = n
			return nil
		}},
	{Name: "INVITE_RATE_LIMIT", Default: "5", Help: "Invitation lists (of up to 20 colleagues each) one client address, and separately one lead, may send per clock minute; more get a 429 with the addresses kept. Counted like `SUBMIT_RATE_LIMIT`. `0` turns the limit off.",
		apply: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 100000 {
				return errors.New("want a whole number from 0 to 100000")
			}
			c.InviteRateLimit = n
			return nil
		}},
	{Name: "BENCHMARK_MIN_LEADS", Default: strconv.Itoa(peer.DefaultMinLeads), Help: "How many other results of the same diagnostic version must stand behind the peer benchmark (\"Your manager scores higher than N% of managers rated here\") before the result page, the result PDF and the summary email show it; within the visitor's team-size bracket when that bracket alone has this many, else among all. Below it the benchmark is left out without a word. `0` turns the benchmark off. See [insights.md](insights.md#peer-benchmark).",
		apply: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 1000000 {
				return errors.New("want a whole number from 0 to 1000000")
			}
			c.BenchmarkMinLeads = n
			return nil
		}},
	{Name: "BODY_LIMIT", Default: "64K", Help: "Largest request body accepted; larger ones get a 413 page.",
		apply: func(c *Config, v string) error {
			num := strings.TrimRight(strings.ToUpper(v), "KMB")
			if n, err := strconv.Atoi(num); err != nil || n <= 0 {
				return errors.New("want a size such as 64K or 1M")
			}
			c.BodyLimit = v
			return nil
		}},
	{Name: "SHUTDOWN_TIMEOUT", Default: "15s", Help: "How long requests in flight, and then emails being sent, may take to finish after SIGTERM or SIGINT; an email still being sent after that goes back to the queue for the next run.",
		apply: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return errors.New("want a duration such as 15s")
			}
			c.ShutdownTimeout = d
			return nil
		}},
	{Name: "LOG_LEVEL", Default: "info", Help: "`debug`, `info`, `warn` or `error`.",
		apply: func(c *Config, v string) error {
			return c.LogLevel.UnmarshalText([]byte(v))
		}},
	{Name: "LOG_FORMAT", Default: "text", Help: "`text` for people, `json` for log collectors.",
		apply: func(c *Config, v string) error {
			if v != "text" && v != "json" {
				return errors.New("want text or json")
			}
			c.LogFormat = v
			return nil
		}},
	{Name: "LOG_FLUSH_INTERVAL", Default: "1s",
		Help: "Longest time a log line waits in memory before it is written out. Lines are written in batches, once this long has passed or 64 KB of them have gathered, so that logging a request costs no system call; warnings and errors are written at once, with every line before them, and every line held is written before the process exits, also after SIGTERM or a failure. At most `10s`; `0` writes each line as it is logged.",
		apply: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 || d > 10*time.Second {
				return errors.New("want a duration from 0 to 10s, such as 1s")
			}
			c.LogFlush = d
			return nil
		}},
}

// checkHostPort checks a listening address, such as example.
func checkHostPort(v, example string) error {
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		return fmt.Errorf("want host:port, such as %s (%v)", example, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	return nil
}

// loadConfig reads every option from getenv, applying defaults, and reports
// all invalid settings at once, each naming its variable.
func loadConfig(getenv func(string) string) (*Config, error) {
	c := &Config{}
	var errs []error
	for _, o := range options {
		v, set := getenv(o.Name), true
		if v == "" {
			v, set = o.Default, false
		}
		if err := o.apply(c, v); err != nil {
			shown := strconv.Quote(v)
			if o.Secret {
				shown = "(hidden)"
			} else if !set {
				shown = "(default)"
			}
			errs = append(errs, fmt.Errorf("%s=%s: %w", o.Name, shown, err))
		}
	}
	return c, errors.Join(errs...)
}

// ensureSecret loads the signing key from the data directory, creating it
// on first run, unless INTAKE_SECRET set one.
func (c *Config) ensureSecret() error {
	if len(c.Secret) > 0 {
		return nil
	}
	path := filepath.Join(c.DataDir, "secret.key")
	if b, err := os.ReadFile(path); err == nil {
		s := strings.TrimSpace(string(b))
		if len(s) < 32 {
			return fmt.Errorf("%s is shorter than 32 characters: delete it to make a new one", path)
		}
		c.Secret = []byte(s)
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return fmt.Errorf("create %s: %w", c.DataDir, err)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	s := hex.EncodeToString(b)
	if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	c.Secret = []byte(s)
	return nil
}
