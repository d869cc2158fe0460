// What every screen shares: refresh on live events (stream or poll), debounced.
import * as live from '../live.js';

/// Calls `refresh` on every live event that `interested` accepts (all by default), at most
/// once per burst. Returns the unsubscribe function for the screen's dispose().
export function onLive(refresh, interested = () => true) {
  const run = live.debounce(refresh, 200);
  return live.subscribe((event) => {
    if (event.type === 'poll' || event.type === 'resync' || interested(event)) run();
  });
}

/// The station id an event is about, whatever its shape.
export function stationOf(event) {
  const d = event && event.data;
  if (!d || typeof d !== 'object') return null;
  return d.station_id ?? (event.type === 'station' ? d.id : null) ?? (d.station && d.station.id) ?? null;
}
