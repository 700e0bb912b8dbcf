// The live candlestick chart of one symbol. Its data comes through a source seam: today REST
// polling of /api/v1/market/:symbol/ohlcv every 2 s; the market WebSocket's `candles:<S>:1m`
// channel can replace it with the same (symbol, onCandles, onError) → stop shape.

(() => {
  const { byId, authHeaders } = window.tcDashboard;
  const { num } = window.tcFormat;
  const LC = window.LightweightCharts;
  const POLL_MS = 2000;
  const SYMBOL = /^[A-Z0-9]{2,20}$/;

  /** REST source: the last 1m candles, polled; calls onCandles with the API's candles. */
  function restCandles(symbol, onCandles, onError) {
    let stopped = false;
    let timer;
    const poll = async () => {
      try {
        const url = `/api/v1/market/${encodeURIComponent(symbol)}/ohlcv?interval=1m`;
        const response = await fetch(url, { headers: { accept: 'application/json', ...authHeaders() } });
        const body = await response.json().catch(() => null);
        if (stopped) return;
        if (!response.ok) onError(body?.error?.message ?? `HTTP ${response.status}`);
        else onCandles(body.candles ?? []);
      } catch (err) {
        if (!stopped) onError(err.message);
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    };
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  /** Where candles come from; swap `current` for the WebSocket source when it lands. */
  const sources = { rest: restCandles, current: restCandles };
  window.tcDashboard.candleSources = sources;

  // Prices stay decimal strings everywhere else; the canvas needs numbers to place pixels, so
  // they become Numbers here, for drawing only (the info line shows the exact strings).
  const bar = (c) => ({
    time: Math.floor(c.openTime / 1000),
    open: Number(c.open),
    high: Number(c.high),
    low: Number(c.low),
    close: Number(c.close),
  });

  const container = byId('candle-chart');
  let chart;
  let series;
  let stop = () => {};
  let shown = '';

  function show(symbol) {
    if (!LC) {
      byId('candle-info').textContent = 'chart library not loaded';
      return;
    }
    if (!chart) {
      chart = LC.createChart(container, {
        layout: { background: { color: 'transparent' }, textColor: '#888', attributionLogo: false },
        grid: {
          vertLines: { color: 'rgba(128,128,128,0.15)' },
          horzLines: { color: 'rgba(128,128,128,0.15)' },
        },
        timeScale: { timeVisible: true, secondsVisible: false },
        autoSize: true,
      });
      series = chart.addSeries(LC.CandlestickSeries, {
        upColor: '#26a69a',
        downColor: '#ef5350',
        borderVisible: false,
        wickUpColor: '#26a69a',
        wickDownColor: '#ef5350',
        priceFormat: { type: 'price', precision: 2, minMove: 0.01 },
      });
    }
    stop();
    shown = symbol;
    series.setData([]);
    container.dataset.symbol = symbol;
    container.dataset.candles = '0';
    byId('candle-info').textContent = `${symbol}: waiting for candles…`;
    stop = sources.current(
      symbol,
      (candles) => {
        if (symbol !== shown) return;
        series.setData(candles.map(bar));
        container.dataset.candles = String(candles.length);
        const last = candles[candles.length - 1];
        byId('candle-info').textContent = last
          ? `${symbol} 1m · close ${last.close} · ${num(candles.length)} candles · every ${POLL_MS / 1000} s`
          : `${symbol}: no candles yet (is the live feed watching it?)`;
      },
      (message) => {
        if (symbol === shown) byId('candle-info').textContent = `${symbol}: ${message}`;
      },
    );
  }

  byId('market-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const symbol = byId('symbol').value.trim().toUpperCase();
    if (!SYMBOL.test(symbol)) {
      byId('candle-info').textContent = 'A symbol is 2–20 letters or digits, like BTCUSDT.';
      return;
    }
    show(symbol);
  });

  /** Offers the feed's watched symbols in the picker (a typed symbol works too). */
  function fillPicker(watched) {
    const list = watched.length > 0 ? watched : ['BTCUSDT', 'ETHUSDT'];
    const options = list.map((symbol) => {
      const option = document.createElement('option');
      option.value = symbol;
      return option;
    });
    byId('symbol-list').replaceChildren(...options);
  }

  let started = false;
  window.tcDashboard.onData((d) => {
    if (started) return;
    started = true; // once the page is shown: a hidden container has no size to draw in
    show(byId('symbol').value.trim().toUpperCase() || 'BTCUSDT');
    fillPicker(d.market?.watched ?? []);
  });
})();
