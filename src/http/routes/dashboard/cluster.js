// The Redis Cluster's nodes (`cluster` of the dashboard answer): address, role, slots owned and
// whether the cluster sees the node up. The section stays hidden when Redis is not a cluster.

(() => {
  const { onData, byId, fillTable, num } = window.tcDashboard;

  onData(({ cluster }) => {
    const section = byId('cluster-section');
    section.hidden = cluster === null;
    if (cluster === null) return;
    const error = byId('cluster-error');
    error.hidden = !cluster.error;
    error.textContent = cluster.error ? `Nodes unavailable: ${cluster.error}` : '';
    fillTable(
      'cluster-table',
      cluster.nodes.map((n) => ({
        key: n.address,
        cells: [
          n.address,
          n.role,
          [num(n.slots), 'num'],
          n.up ? ['up', 'good'] : ['down', 'bad'],
          n.master ?? '',
        ],
      })),
      'no nodes',
      5,
    );
  });
})();
