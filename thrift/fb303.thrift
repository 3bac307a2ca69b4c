/*
 * fb303 base service, as extended by ThriftHiveMetastore.
 *
 * metahive only needs this so that the inherited method names and shapes are
 * known on the wire: Hive 2.x/3.x clients send the oneway `shutdown` from
 * HiveMetaStoreClient.close(), and generic tooling may probe getName/getStatus.
 * Ids and types follow the published fb303 bindings; checked by
 * tests/test_idl_compat.py.
 */

namespace java com.facebook.fb303
namespace py fb303

// Health states reported by getStatus().
enum fb_status {
  DEAD = 0,
  STARTING = 1,
  ALIVE = 2,
  STOPPING = 3,
  STOPPED = 4,
  WARNING = 5,
}

service FacebookService {
  // Descriptive service name.
  string getName(),

  // Build / release identifier.
  string getVersion(),

  // Coarse health state.
  fb_status getStatus(),

  // Free-form text explaining the current status.
  string getStatusDetails(),

  // All exported counters.
  map<string, i64> getCounters(),

  // A single counter (0 when unknown).
  i64 getCounter(1: string key),

  // Runtime options.
  void setOption(1: string key, 2: string value),
  string getOption(1: string key),
  map<string, string> getOptions(),

  // CPU profile collected over the given number of seconds (may be empty).
  string getCpuProfile(1: i32 profileDurationInSec),

  // Unix time (seconds) at which the server started.
  i64 aliveSince(),

  // Fire-and-forget requests: the server never answers these.
  oneway void reinitialize(),
  oneway void shutdown(),
}
