// Hit rate and Redis memory over the last hour (the server's sample ring), keys per cache and
// queue depths. Charts are TradingView's lightweight-charts, served by us (/dashboard/assets).

(() => {
  const { onData, byId } = window.tcDashboard;
  const { num, ratio, fillTable } = window.tcFormat;
  const LC = window.LightweightCharts;

  const styleOf = () => {
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    return {
      // The logo injects a <style> our CSP refuses; the page footer credits TradingView instead.
      layout: {
        background: { color: 'transparent' },
        textColor: dark ? '#ddd' : '#333',
        attributionLogo: false,
      },
      grid: {
        vertLines: { color: 'rgba(128,128,128,0.15)' },
        horzLines: { color: 'rgba(128,128,128,0.15)' },
      },
      timeScale: { timeVisible: true, secondsVisible: false },
      autoSize: true,
    };
  };

  /** Seconds since the epoch, strictly increasing (the library refuses repeated times). */
  function points(samples, value) {
    const out = [];
    for (const s of samples) {
      const y = value(s);
      if (typeof y !== 'number') continue;
      const time = Math.floor(s.at / 1000);
      if (out.length > 0 && out[out.length - 1].time >= time) out.pop();
      out.push({ time, value: y });
    }
    return out;
  }

  const MB = 1024 * 1024;
  let hit;
  let memory;
  let limit;
  function charts() {
    if (hit || !LC) return;
    hit = LC.createChart(byId('hit-chart'), styleOf()).addSeries(LC.LineSeries, {
      color: '#2e7d32',
      priceFormat: { type: 'percent' },
    });
    memory = LC.createChart(byId('memory-chart'), styleOf()).addSeries(LC.AreaSeries, {
      lineColor: '#1565c0',
      topColor: 'rgba(21,101,192,0.4)',
      bottomColor: 'rgba(21,101,192,0.05)',
      priceFormat: { type: 'custom', formatter: (mb) => `${mb.toFixed(1)} MB` },
    });
  }

  onData((d) => {
    charts();
    const samples = d.samples ?? [];
    const hitPoints = points(samples, (s) => (s.hitRatio === null ? null : s.hitRatio * 100));
    const memPoints = points(samples, (s) => (s.usedMemory === null ? null : s.usedMemory / MB));
    byId('hit-chart').dataset.points = String(hitPoints.length);
    byId('memory-chart').dataset.points = String(memPoints.length);
    if (hit) hit.setData(hitPoints);
    if (memory) memory.setData(memPoints);
    const last = samples[samples.length - 1];
    byId('hit-now').textContent = last
      ? `last minute: ${ratio(last.hitRatio)} · ${samples.length} sample(s), one a minute`
      : 'no sample yet';
    const info = d.health?.redisInfo;
    const max = info?.maxMemory ?? last?.maxMemory ?? null;
    if (memory && max && max !== limit) {
      limit = max;
      memory.createPriceLine({ price: max / MB, color: '#c62828', title: 'maxmemory' });
    }
    byId('memory-now').textContent = info
      ? `now ${info.usedMemoryHuman}${info.maxMemory ? ` of ${num(Math.round(info.maxMemory / MB))} MB maxmemory` : ' (no maxmemory)'} · policy ${info.evictionPolicy}`
      : 'Redis info unavailable';

    const stats = Object.entries(d.health?.cacheStats ?? {}).sort(([a], [b]) => a.localeCompare(b));
    fillTable(
      'keys-table',
      stats.map(([name, s]) => ({ key: name, cells: [name, [num(s.totalKeys), 'num']] })),
      'no cache keys',
      2,
    );
    const queues = Object.entries(d.health?.queues ?? {}).sort(([a], [b]) => a.localeCompare(b));
    fillTable(
      'queues-table',
      queues.map(([name, q]) => ({
        key: name,
        cells: [
          name,
          [num(q.waiting), 'num'],
          [num(q.active), 'num'],
          [num(q.delayed), 'num'],
          [num(q.failed), `num${q.failed > 0 ? ' bad' : ''}`],
        ],
      })),
      'no queues in this process',
      5,
    );
    byId('board-link').hidden = false;
  });
})();
