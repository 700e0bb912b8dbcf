import { describe, expect, it } from 'vitest';
import { TickColumns, TradeColumns } from '../../src/market/writes/columns.ts';

describe('TickColumns', () => {
  it('packs ticks in ascending seq, equal seqs in arrival order, as the price record stores them', () => {
    const ticks = new TickColumns();
    ticks.add(30, 1030, '3.00');
    ticks.add(10, 1010, '1.00');
    ticks.add(20, 1020, '2.00');
    ticks.add(20, 1021, '2.10');
    expect(ticks.packed(0, ticks.length)).toBe('10|1010|1.00 20|1020|2.00 20|1021|2.10 30|1030|3.00');
    expect(ticks.packed(1, 3)).toBe('20|1020|2.00 20|1021|2.10');
    expect(ticks.maxTime).toBe(1030);
    expect(ticks.newest()).toEqual({ seq: 30, time: 1030, price: '3.00' });
  });

  it('names the last of equal newest seqs, and nothing when empty', () => {
    const ticks = new TickColumns();
    expect(ticks.newest()).toBeNull();
    ticks.add(5, 1, '1.0');
    ticks.add(5, 2, '2.0');
    expect(ticks.newest()).toEqual({ seq: 5, time: 2, price: '2.0' });
  });

  it('sheds the oldest half by seq, whatever the arrival order', () => {
    const ticks = new TickColumns();
    for (const seq of [4, 1, 3, 2, 5]) ticks.add(seq, seq, `${seq}.0`);
    expect(ticks.shedOldestHalf()).toBe(2);
    expect(ticks.packed(0, ticks.length)).toBe('3|3|3.0 4|4|4.0 5|5|5.0');
  });
});

describe('TradeColumns', () => {
  it('packs trades in ascending id as recent-trades list elements', () => {
    const trades = new TradeColumns();
    trades.add({ id: 9, time: 90, price: '1.5', quantity: '0.1', side: 'sell' });
    trades.add({ id: 7, time: 70, price: '1.4', quantity: '2', side: 'buy' });
    expect(trades.packed(0, 2)).toBe('7|70|1.4|2|b 9|90|1.5|0.1|s');
    expect(trades.newest()).toEqual({ id: 9, time: 90, price: '1.5', quantity: '0.1', side: 'sell' });
  });
});
