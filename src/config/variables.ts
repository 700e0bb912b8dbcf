/**
 * Every environment variable tradecache reads, with its default. The README's configuration
 * table is checked against this list by a test, so the two cannot drift apart.
 */
import { MARKET_VARIABLES } from './variables-market.ts';

export interface EnvVariable {
  readonly name: string;
  /** Shown in the README; `undefined` means "unset". */
  readonly default: string | undefined;
  readonly description: string;
}

export const ENV_VARIABLES: readonly EnvVariable[] = [
  {
    name: 'REDIS_SENTINELS',
    default: undefined,
    description:
      'Sentinel `host:port` list, comma-separated (port `26379` when left out): the master is found through Redis Sentinel. Wins over every other Redis setting.',
  },
  {
    name: 'REDIS_SENTINEL_MASTER',
    default: 'mymaster',
    description: 'Name the sentinels monitor the master under (with `REDIS_SENTINELS`).',
  },
  {
    name: 'REDIS_SENTINEL_PASSWORD',
    default: undefined,
    description: 'Password of the sentinels themselves (with `REDIS_SENTINELS`). Never logged.',
  },
  {
    name: 'REDIS_URL',
    default: undefined,
    description:
      'Redis URL (`redis://` or `rediss://` for TLS; `redis+cluster://[user:password@]h1:p1,h2:p2` for a Redis Cluster, `rediss+cluster://` with TLS). Wins over everything below.',
  },
  {
    name: 'CELERY_BROKER_URL',
    default: undefined,
    description: 'Used as the Redis URL when `REDIS_URL` is unset (Python platform compatibility).',
  },
  {
    name: 'REDIS_HOST',
    default: undefined,
    description: 'Redis host; when set, the URL is built from the four `REDIS_*` parts.',
  },
  { name: 'REDIS_PORT', default: '6379', description: 'Redis port (with `REDIS_HOST`).' },
  {
    name: 'REDIS_DB',
    default: '0',
    description: 'Redis database number (with `REDIS_HOST` or `REDIS_SENTINELS`).',
  },
  {
    name: 'REDIS_PASSWORD',
    default: undefined,
    description:
      'Redis password (with `REDIS_HOST`, of the master with `REDIS_SENTINELS`, of every node with `REDIS_CLUSTER_NODES`). Never logged.',
  },
  {
    name: 'REDIS_USERNAME',
    default: undefined,
    description:
      'Redis ACL user that AUTHs with `REDIS_PASSWORD` (with `REDIS_HOST`, of the master with `REDIS_SENTINELS`, of every node with `REDIS_CLUSTER_NODES`; a URL says it as `redis://user:password@host`). Unset: the `default` user. See "Least privilege".',
  },
  {
    name: 'REDIS_TLS',
    default: 'false',
    description:
      'Use TLS with `REDIS_HOST`, to the sentinels and the master with `REDIS_SENTINELS`, or to every node with `REDIS_CLUSTER_NODES` (URLs say it with `rediss://`).',
  },
  {
    name: 'REDIS_CLUSTER_NODES',
    default: undefined,
    description:
      'Redis Cluster seed nodes, `host:port` comma-separated (port `6379` when left out); the client learns every master and replica from them. Password and TLS from `REDIS_PASSWORD` / `REDIS_TLS`; database 0 only. Wins over `REDIS_URL` and below.',
  },
  {
    name: 'REDIS_MAX_CONNECTIONS',
    default: '10',
    description:
      'Most Redis connections one process opens; on a Redis Cluster, sockets per node (see [Redis Cluster](#redis-cluster)).',
  },
  {
    name: 'REDIS_KEY_PREFIX',
    default: 'tradecache',
    description:
      'Prefix of every key (`[A-Za-z0-9_.@-]`). Set it empty to share one Redis with the Python platform: its keys (`cache:symbols:spot:v1`, `metrics:cache_hit:symbols_spot`, ...) are then used exactly, and ours stay under `tradecache:`.',
  },
  {
    name: 'REDIS_COMMAND_TIMEOUT_MS',
    default: '2000',
    description: 'A Redis command that takes longer fails.',
  },
  {
    name: 'REDIS_MAX_OFFLINE_QUEUE',
    default: '1000',
    description: 'Commands queued while Redis is down before new ones fail at once.',
  },
  {
    name: 'REDIS_DURABLE_REPLICAS',
    default: '0',
    description:
      'Default `1` on a Cluster or with Sentinel. Replicas of the master that must confirm (`WAIT`) each write of durable user data (alerts, notifications, sessions, users, preferences) before it is acknowledged; fewer within `REDIS_DURABLE_WAIT_MS`: 503 `WRITE_UNCONFIRMED`. `0`: no `WAIT`. See "Redis Cluster".',
  },
  {
    name: 'REDIS_DURABLE_WAIT_MS',
    default: '500',
    description:
      'Longest `WAIT` for those replicas; below `REDIS_COMMAND_TIMEOUT_MS` (default: 500, or half a shorter command timeout).',
  },
  {
    name: 'REDIS_APPENDFSYNC',
    default: 'everysec',
    description:
      '`appendfsync` of the embedded Redis, set when it starts: `everysec` (a host crash can lose about 1 s of writes) or `always` (fsync before each reply; slower writes).',
  },
  { name: 'HOST', default: '127.0.0.1', description: 'HTTP listen address.' },
  { name: 'PORT', default: '8000', description: 'HTTP listen port.' },
  {
    name: 'HTTP_REQUEST_TIMEOUT_MS',
    default: '10000',
    description:
      'A request whose headers and body have not all arrived by then gets 408 and its connection is closed (slow clients, slowloris).',
  },
  {
    name: 'HTTP_IDLE_TIMEOUT_MS',
    default: '20000',
    description: 'A connection with no traffic in either direction for this long is closed.',
  },
  {
    name: 'HTTP_KEEP_ALIVE_TIMEOUT_MS',
    default: '10000',
    description:
      'An idle keep-alive connection is closed after this. Behind a load balancer, set it above the balancer’s idle timeout.',
  },
  {
    name: 'HTTP_BODY_LIMIT_BYTES',
    default: '65536',
    description: 'Largest request body (413 beyond); login (4 KiB) and preferences (16 KiB) accept less.',
  },
  {
    name: 'HTTP_MAX_PARAM_LENGTH',
    default: '100',
    description: 'Longest path parameter in characters (414 beyond).',
  },
  {
    name: 'HTTP_MAX_HEADER_BYTES',
    default: '16384',
    description: 'Largest request line plus headers in bytes (431 beyond).',
  },
  {
    name: 'TRUST_PROXY',
    default: undefined,
    description:
      "Behind a reverse proxy: whose `X-Forwarded-For`/`-Proto` to believe, as Fastify's `trustProxy`: `true` (any), a hop count (`1`: the proxy in front of us), or a comma-separated list of proxy addresses or CIDRs. Then per-IP rate limits and login limits count the client's address, and the session cookie is `Secure` for `https` clients. Unset: the headers are ignored.",
  },
  {
    name: 'HTTP_MAX_CONNECTIONS',
    default: '1000',
    description: 'Open client connections at most; further connections are closed at once.',
  },
  {
    name: 'HTTP_RATE_LIMIT_PER_MIN',
    default: '1200',
    description:
      'Requests a minute one client address may make on any route (per process; `/health` is exempt); past it: 429 `RATE_LIMITED` with `Retry-After`.',
  },
  {
    name: 'TRADECACHE_DATA_DIR',
    default: './.tradecache',
    description: 'Data directory (embedded Redis data and password).',
  },
  {
    name: 'EXCHANGE',
    default: 'binance',
    description: '`binance`, or `simulated` to start the built-in simulated exchange in-process.',
  },
  {
    name: 'BINANCE_SPOT_URL',
    default: 'https://api.binance.com',
    description: 'Binance spot REST base URL.',
  },
  {
    name: 'BINANCE_FUTURES_URL',
    default: 'https://fapi.binance.com',
    description: 'Binance USDⓈ-M futures REST base URL.',
  },
  {
    name: 'BINANCE_SPOT_STREAM_URL',
    default: 'wss://stream.binance.com:9443',
    description:
      "Binance spot WebSocket market-stream base (`<base>/stream?streams=...`). With `EXCHANGE=simulated`, the simulated exchange's.",
  },
  {
    name: 'BINANCE_FUTURES_STREAM_URL',
    default: 'wss://fstream.binance.com',
    description:
      "Binance USDⓈ-M futures WebSocket market-stream base. With `EXCHANGE=simulated`, the simulated exchange's (`ws://<host>:<port>/fstream`).",
  },
  { name: 'EXCHANGE_TIMEOUT_MS', default: '10000', description: 'Timeout of one exchange request.' },
  { name: 'SYMBOLS_CACHE_TTL', default: '300', description: 'Seconds a cached symbol list stays fresh.' },
  { name: 'SYMBOLS_WARMUP_INTERVAL', default: '300', description: 'Seconds between symbol warmup jobs.' },
  {
    name: 'SYMBOLS_QUOTE_ASSET',
    default: 'USDT',
    description: 'Only symbols quoted in this asset are listed.',
  },
  {
    name: 'POPULAR_BASE_ASSETS',
    default: 'BTC,ETH,BNB,SOL,XRP,ADA,DOGE',
    description: 'Base assets listed first, in this order.',
  },
  {
    name: 'AUTH_SECRET',
    default: undefined,
    description:
      'Key (≥ 32 characters) that signs session tokens and peppers stored API keys. Unset: generated once into `<data dir>/secrets.json`. Processes sharing a Redis must share it.',
  },
  {
    name: 'ADMIN_TOKEN',
    default: undefined,
    description:
      'Bearer token (≥ 16 characters) that acts as the admin on admin routes (user management over HTTP, cache clear, dashboard). Never logged.',
  },
  {
    name: 'METRICS_TOKEN',
    default: undefined,
    description:
      'Bearer token (≥ 16 characters) `/metrics` then requires (`Authorization: Bearer <token>`); unset, `/metrics` is open. Never logged.',
  },
  {
    name: 'CACHE_ENCRYPTION_KEYS',
    default: undefined,
    description:
      'AES-256-GCM keys of encrypted cache namespaces (sessions): `kid:base64key,...`, the first one encrypts, all decrypt (rotation). Unset: generated into `<data dir>/secrets.json`.',
  },
  {
    name: 'SESSION_TTL',
    default: '86400',
    description: 'Seconds a login session lives without activity (sliding).',
  },
  {
    name: 'MAX_SESSIONS_PER_USER',
    default: '10',
    description: 'Live sessions per user; a new login evicts the oldest beyond this.',
  },
  {
    name: 'LOGIN_FAILURE_WINDOW',
    default: '60',
    description: 'Seconds over which failed logins are counted for the two limits below.',
  },
  {
    name: 'LOGIN_FAILURES_PER_USER_ADDRESS',
    default: '10',
    description:
      'Failed logins one user id may have from one address (IPv6: one /64) per window; then that address alone gets 429 for that id.',
  },
  {
    name: 'LOGIN_FAILURES_PER_ADDRESS',
    default: '30',
    description:
      'Failed logins one address (IPv6: one /64) may have per window over all user ids; then it gets 429 for every id.',
  },
  {
    name: 'LOGIN_ALERT_FAILURES_PER_USER',
    default: '100',
    description:
      'Failed logins of one user id from all addresses per `LOGIN_ALERT_WINDOW` that raise `tradecache_login_lockout_alerts_total` and a warning (never a 429).',
  },
  {
    name: 'LOGIN_ALERT_WINDOW',
    default: '600',
    description: 'Seconds over which `LOGIN_ALERT_FAILURES_PER_USER` is counted.',
  },
  {
    name: 'HISTORY_MAX_RANGE_DAYS',
    default: '1830',
    description: 'Longest kline range one history/backtest request may ask for.',
  },
  {
    name: 'HISTORY_MAX_CANDLES',
    default: '100000',
    description:
      'Most candles one `/backtest/data` or `/backtest/run` request may cover ((end - start) / interval); past it, 400 before anything is fetched.',
  },
  {
    name: 'HISTORY_MAX_CONCURRENT',
    default: '2',
    description:
      'Expensive history requests (an exchange fetch, a streamed answer, a backtest run) running at once per process.',
  },
  {
    name: 'HISTORY_MAX_QUEUED',
    default: '4',
    description: 'Expensive history requests waiting for a slot; past it, 503 with `Retry-After`.',
  },
  {
    name: 'HISTORY_ANON_PER_MIN',
    default: '5',
    description:
      'Expensive history requests per minute per anonymous address (authenticated users are not counted); `0`: sign-in required.',
  },
  {
    name: 'MONITOR_INTERVAL_MS',
    default: '60000',
    description:
      'Period of the Redis monitor: one `INFO` and one `SLOWLOG GET` per round, a warning and a cleanup at 80 % of `maxmemory`.',
  },
  {
    name: 'MAINTENANCE_CRON',
    default: '0 2 * * *',
    description:
      'Cron pattern of the maintenance job (expired data, dangling session entries, old price data). A run missed while no worker was up runs once at the next start.',
  },
  {
    name: 'MAINTENANCE_TZ',
    default: 'UTC',
    description: 'IANA time zone `MAINTENANCE_CRON` is read in.',
  },
  {
    name: 'SHUTDOWN_TIMEOUT_MS',
    default: '10000',
    description: 'How long shutdown waits for jobs and requests in flight.',
  },
  {
    name: 'LOG_LEVEL',
    default: 'info',
    description: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`.',
  },
  {
    name: 'LOG_REQUESTS',
    default: 'errors',
    description:
      'Access-log lines at `info`: `all` requests, only `errors` (4xx and 5xx answers) or `off`. `/health`, `/ready` and `/metrics` are sampled (1 in 100).',
  },
  {
    name: 'LOG_REPEAT_INTERVAL_SEC',
    default: '10',
    description:
      'Fail-soft warnings (Redis down, cache tier skipped) are logged once per cause, then one line per cause per interval with a count.',
  },
  ...MARKET_VARIABLES,
];
