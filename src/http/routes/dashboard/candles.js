// The live candlestick chart of one symbol. Its candles come from `tcDashboard.candleSources`
// (candle-feed.js): the REST history, then the market WebSocket's pushes, each drawn with
// `series.update()`; REST polling only while the socket is down.

(() => {
  const { byId } = window.tcDashboard;
  const { num } = window.tcFormat;
  const LC = window.LightweightCharts;
  const SYMBOL = /^[A-Z0-9]{2,20}$/;
  /** Candles kept (and drawn) per symbol: the REST history's default length. */
  const KEEP = 500;

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
  let feed;
  let shown = '';
  /** The shown symbol's candles as the API sent them, by open time. */
  const candles = new Map();
  let newest = null;

  const sorted = () => [...candles.values()].sort((a, b) => a.openTime - b.openTime);

  function redraw() {
    let all = sorted();
    if (all.length > KEEP) {
      all = all.slice(-KEEP);
      candles.clear();
      for (const c of all) candles.set(c.openTime, c);
    }
    series.setData(all.map(bar));
  }

  function describe() {
    container.dataset.candles = String(candles.size);
    byId('candle-info').textContent = newest
      ? `${shown} 1m · close ${newest.close} · ${num(candles.size)} candles`
      : `${shown}: no candles yet (is the live feed watching it?)`;
  }

  function setHistory(list) {
    candles.clear();
    newest = null;
    for (const c of list) keepNewer(c);
    redraw();
    describe();
  }

  /**
   * Keeps `c` unless the held version of its minute is further along: a push and a REST answer
   * can cross, and the exchange's closed kline is final.
   */
  function keepNewer(c) {
    const held = candles.get(c.openTime);
    if (held && ((held.closed && !c.closed) || c.trades < held.trades)) return false;
    candles.set(c.openTime, c);
    if (!newest || c.openTime >= newest.openTime) newest = c;
    return true;
  }

  function pushCandle(c) {
    const last = newest;
    const known = candles.has(c.openTime);
    if (!keepNewer(c)) return;
    // update() appends or replaces the last bar; an older bar it knows is a historical update;
    // a minute it never had (a gap) needs the whole series again.
    if (!last || c.openTime >= last.openTime) series.update(bar(c));
    else if (known) series.update(bar(c), true);
    else redraw();
    if (candles.size > KEEP * 2) redraw();
    describe();
  }

  function showState(state, detail) {
    const badge = byId('candle-state');
    badge.dataset.state = state;
    badge.textContent = state;
    badge.title = detail;
    container.dataset.state = state;
  }

  function createChart() {
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
    // What the chart holds, for the browser test (the page's own state could lie).
    window.tcDashboard.candleSeries = series;
    feed = window.tcDashboard.candleSources.current({
      history: (symbol, list) => {
        if (symbol === shown) setHistory(list);
      },
      candle: (symbol, c) => {
        if (symbol === shown) pushCandle(c);
      },
      error: (symbol, message) => {
        if (symbol === shown) byId('candle-info').textContent = `${symbol}: ${message}`;
      },
      state: showState,
    });
  }

  function show(symbol) {
    if (!LC) {
      byId('candle-info').textContent = 'chart library not loaded';
      return;
    }
    if (!chart) createChart();
    shown = symbol;
    candles.clear();
    newest = null;
    series.setData([]);
    container.dataset.symbol = symbol;
    container.dataset.candles = '0';
    byId('candle-info').textContent = `${symbol}: waiting for candles…`;
    feed.show(symbol);
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
