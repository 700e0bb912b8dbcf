// Where the candlestick chart's candles come from. A feed is `feed(handlers)` → `{ show(symbol),
// stop() }`; handlers: history(symbol, candles), candle(symbol, candle), error(symbol, message),
// state(state, detail). Candles are exactly the API's (decimal strings): the chart converts them.
//
// live: the REST history once per symbol (the chart has candles at once), then the market
// WebSocket's `candles:<S>:1m` pushes. REST polling runs only while the socket is down, or for
// good when the socket is anonymous: a token typed into the page is sent as a Bearer header,
// which a browser WebSocket cannot carry, and anonymous sockets get price channels only.

(() => {
  const { authHeaders } = window.tcDashboard;
  const INTERVAL = '1m';
  const POLL_MS = 2000;
  const BACKOFF_FIRST_MS = 1000;
  const BACKOFF_MAX_MS = 30_000;

  /** The last candles of `symbol` over REST: `{ candles }` or `{ error }`. */
  async function fetchCandles(symbol) {
    try {
      const url = `/api/v1/market/${encodeURIComponent(symbol)}/ohlcv?interval=${INTERVAL}`;
      const response = await fetch(url, {
        headers: { accept: 'application/json', ...authHeaders() },
        cache: 'no-store',
      });
      const body = await response.json().catch(() => null);
      if (!response.ok || body === null) return { error: body?.error?.message ?? `HTTP ${response.status}` };
      return { candles: Array.isArray(body.candles) ? body.candles : [] };
    } catch (err) {
      return { error: err.message };
    }
  }

  /**
   * Polls REST about every POLL_MS (±25%), first at once or after up to `firstWithinMs`; returns
   * its stop. The jitter is for a server restart, which drops every open dashboard's socket at the
   * same moment: without it they would all poll in the same instant, every POLL_MS, for good.
   */
  function poll(symbol, handlers, firstWithinMs = 0) {
    let stopped = false;
    let timer;
    const round = async () => {
      const result = await fetchCandles(symbol);
      if (stopped) return;
      if (result.error) handlers.error(symbol, result.error);
      else handlers.history(symbol, result.candles);
      timer = setTimeout(round, POLL_MS * (0.75 + Math.random() / 2));
    };
    if (firstWithinMs > 0) timer = setTimeout(round, Math.random() * firstWithinMs);
    else round();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  /** REST polling only (the seam's fallback source). */
  function restFeed(handlers) {
    let stop = () => {};
    return {
      show(symbol) {
        stop();
        handlers.state('polling', `REST every ${POLL_MS / 1000} s`);
        stop = poll(symbol, handlers);
      },
      stop: () => stop(),
    };
  }

  /**
   * Full jitter over an exponential ceiling: a restarted server is not met by every open
   * dashboard at the same instant. Half the ceiling at least, so a retry never spins.
   */
  function backoff(attempt) {
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** attempt);
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  function liveFeed(handlers) {
    const channelOf = (symbol) => `candles:${symbol}:${INTERVAL}`;
    const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api/v1/ws`;
    let symbol = null;
    let socket = null;
    let attempt = 0;
    let retry = null;
    let stopPolling = null;
    let stopped = false;
    /** The server refused candles to this anonymous socket: REST from now on. */
    let anonymous = false;
    /** Pushes missed while the socket was down: read the history again once it is back. */
    let missed = false;
    /** Pushes that arrive while the history loads, applied after it (it would overwrite them). */
    let held = null;
    let loads = 0;

    const send = (message) => {
      if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    };

    function loadHistory() {
      const load = ++loads;
      const wanted = symbol;
      held = [];
      fetchCandles(wanted).then((result) => {
        if (load !== loads || stopped) return;
        const pushed = held;
        held = null;
        if (result.error) handlers.error(wanted, result.error);
        else handlers.history(wanted, result.candles);
        for (const candle of pushed) handlers.candle(wanted, candle);
      });
    }

    /** `spread`: the socket just dropped; poll within the first retry's shortest wait, not at once. */
    function startPolling(spread = false) {
      stopPolling?.();
      stopPolling = symbol ? poll(symbol, handlers, spread ? BACKOFF_FIRST_MS / 2 : 0) : null;
    }

    function endPolling() {
      stopPolling?.();
      stopPolling = null;
    }

    function connect() {
      retry = null;
      if (stopped || anonymous) return;
      const ws = new WebSocket(url);
      socket = ws;
      ws.addEventListener('open', () => {
        if (symbol) send({ op: 'subscribe', channels: [channelOf(symbol)] });
      });
      ws.addEventListener('message', (event) => receive(event.data));
      // 'error' is always followed by 'close': one place handles a lost socket.
      ws.addEventListener('close', () => {
        if (socket !== ws) return;
        socket = null;
        down();
      });
    }

    function down() {
      if (stopped) return;
      // A failed reconnect keeps the polling that runs: restarting it on every attempt would
      // send one more request per attempt, in step with the reconnects.
      if (!stopPolling || anonymous) startPolling(!anonymous);
      if (anonymous) {
        handlers.state(
          'polling',
          `REST every ${POLL_MS / 1000} s: live candles need a login session (the demo's login link)`,
        );
        return;
      }
      missed = true;
      const wait = backoff(attempt++);
      retry = setTimeout(connect, wait);
      handlers.state(
        'reconnecting',
        `socket closed, retry in ${Math.ceil(wait / 1000)} s; REST every ${POLL_MS / 1000} s meanwhile`,
      );
    }

    function receive(text) {
      let message;
      try {
        message = JSON.parse(text);
      } catch {
        return;
      }
      if (message.error) {
        if (message.error.code === 'AUTH_REQUIRED') {
          anonymous = true;
          socket?.close(1000, 'candles need credentials');
        } else if (symbol) {
          handlers.error(symbol, message.error.message);
        }
        return;
      }
      if (!symbol) return;
      const channel = channelOf(symbol);
      if (message.op === 'subscribed' && message.channels?.includes(channel)) {
        attempt = 0;
        endPolling();
        handlers.state('live', `WebSocket ${channel}`);
        if (missed) {
          missed = false;
          loadHistory();
        }
      } else if (message.channel === channel && message.data) {
        if (held) held.push(message.data);
        else handlers.candle(symbol, message.data);
      }
    }

    return {
      show(next) {
        if (symbol && symbol !== next) send({ op: 'unsubscribe', channels: [channelOf(symbol)] });
        symbol = next;
        // Drops a history answer still on its way for the previous symbol.
        loads++;
        held = null;
        // While polling, its first round (at once) is the history.
        if (stopPolling) startPolling();
        else loadHistory();
        if (socket) send({ op: 'subscribe', channels: [channelOf(next)] });
        if (!socket && !retry && !anonymous) {
          handlers.state('connecting', 'opening the WebSocket');
          connect();
        }
      },
      stop() {
        stopped = true;
        clearTimeout(retry);
        endPolling();
        socket?.close(1000, 'chart closed');
      },
    };
  }

  /** Which feed the chart uses; `rest` stays as the plain polling source. */
  window.tcDashboard.candleSources = { rest: restFeed, live: liveFeed, current: liveFeed };
})();
