// Benchmark client for Hive Metastore Thrift servers (metahive and the Java HMS alike).
//
// Uses the Hive 2.3.10 generated client (ThriftHiveMetastore.Client) over TSocket + TBinaryProtocol,
// as HiveMetaStoreClient does (unframed, TCP_NODELAY), and calls set_ugi first as Spark does.
// One run = one named operation: W untimed warm-up calls, then N timed calls; prints one JSON
// object on stdout with the per-call latencies in milliseconds.  Progress goes to stderr.
//
// Compiled by bench/hms_bench.py:  javac -cp '<pyspark>/jars/*' -d bench/.build/classes BenchClient.java
//
// Data layout shared with hms_bench.py: database `bench`, table `wide` (20 columns), partitioned
// tables with keys (ds string, hr int) where partition i has ds = 2000-01-01 + i/24 days, hr = i%24.

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.hadoop.hive.metastore.api.Database;
import org.apache.hadoop.hive.metastore.api.FieldSchema;
import org.apache.hadoop.hive.metastore.api.NoSuchObjectException;
import org.apache.hadoop.hive.metastore.api.Partition;
import org.apache.hadoop.hive.metastore.api.SerDeInfo;
import org.apache.hadoop.hive.metastore.api.StorageDescriptor;
import org.apache.hadoop.hive.metastore.api.Table;
import org.apache.hadoop.hive.metastore.api.ThriftHiveMetastore;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.TConfiguration;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.TTransport;
import org.apache.thrift.transport.TTransportException;

public final class BenchClient {
    /**
     * An unframed socket transport with a 1 MiB read buffer that TBinaryProtocol decodes from directly
     * (getBuffer/consumeBuffer), the way it decodes from memory. Same bytes on the wire as TSocket.
     */
    static final class BufferedSocketTransport extends TTransport {
        final TSocket socket;
        final java.io.InputStream in;
        final java.io.OutputStream out;
        final byte[] buf = new byte[1 << 20];
        int pos;
        int lim;
        long consumed;  // reply bytes handed to the protocol so far

        BufferedSocketTransport(TSocket socket) throws java.io.IOException {
            this.socket = socket;
            this.in = socket.getSocket().getInputStream();
            this.out = new java.io.BufferedOutputStream(socket.getSocket().getOutputStream(), 1 << 16);
        }

        @Override public boolean isOpen() { return socket.isOpen(); }
        @Override public void open() { }
        @Override public void close() { socket.close(); }

        @Override public int read(byte[] b, int off, int len) throws TTransportException {
            if (pos == lim) {
                try {
                    lim = in.read(buf, 0, buf.length);
                } catch (java.io.IOException e) {
                    throw new TTransportException(TTransportException.UNKNOWN, e);
                }
                pos = 0;
                if (lim <= 0) {
                    lim = 0;
                    throw new TTransportException(TTransportException.END_OF_FILE, "connection closed");
                }
            }
            int n = Math.min(len, lim - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            consumed += n;
            return n;
        }

        /** The next n bytes of the stream, undecoded. */
        byte[] readExactly(int n) throws TTransportException {
            byte[] out = new byte[n];
            int got = 0;
            while (got < n) {
                got += read(out, got, n - got);
            }
            return out;
        }

        @Override public void write(byte[] b, int off, int len) throws TTransportException {
            try {
                out.write(b, off, len);
            } catch (java.io.IOException e) {
                throw new TTransportException(TTransportException.UNKNOWN, e);
            }
        }

        @Override public void flush() throws TTransportException {
            try {
                out.flush();
            } catch (java.io.IOException e) {
                throw new TTransportException(TTransportException.UNKNOWN, e);
            }
        }

        @Override public byte[] getBuffer() { return buf; }
        @Override public int getBufferPosition() { return pos; }
        @Override public int getBytesRemainingInBuffer() { return lim - pos; }
        @Override public void consumeBuffer(int n) {
            pos += n;
            consumed += n;
        }
        @Override public TConfiguration getConfiguration() { return TConfiguration.DEFAULT; }
        @Override public void updateKnownMessageSize(long size) { }
        @Override public void checkReadBytesAvailable(long n) { }
    }

    static final String DB = "bench";
    static final LocalDate BASE_DAY = LocalDate.of(2000, 1, 1);
    static final String[] TYPES = {"string", "int", "bigint", "double", "boolean", "decimal(18,2)", "timestamp", "date"};

    /** Something that makes one timed call; returns the size of what came back (for the record). */
    interface Call {
        long run(int i) throws Exception;
    }

    // ---- options -------------------------------------------------------------------------------
    final Map<String, String> opts = new HashMap<>();

    String opt(String name, String dflt) {
        return opts.getOrDefault(name, dflt);
    }

    int intOpt(String name, int dflt) {
        return Integer.parseInt(opt(name, Integer.toString(dflt)));
    }

    ThriftHiveMetastore.Client client;
    TSocket socket;
    BufferedSocketTransport buffered;
    /** Set by a call that times only part of itself (see get_partitions_received); else -1. */
    double timedMs = -1;

    void connect() throws Exception {
        socket = new TSocket(opt("host", "127.0.0.1"), intOpt("port", 9083), 600_000);
        socket.open();
        // "tsocket": libthrift's TSocket as HiveMetaStoreClient uses it (an 8 KiB BufferedInputStream
        // read through synchronized calls for every field: ~100 ms of a 10 MB reply goes there).
        // "buffered" (default): the same socket read 1 MiB at a time and decoded straight from the
        // buffer, so large replies time the server rather than the client's input stream.
        TTransport transport = "tsocket".equals(opt("transport", "buffered")) ? socket : new BufferedSocketTransport(socket);
        buffered = transport instanceof BufferedSocketTransport b ? b : null;
        client = new ThriftHiveMetastore.Client(new TBinaryProtocol(transport));
        client.set_ugi("bench", Collections.singletonList("bench"));
    }

    // ---- data ----------------------------------------------------------------------------------
    static List<FieldSchema> columns() {
        List<FieldSchema> cols = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            cols.add(new FieldSchema("c" + i, TYPES[i % TYPES.length], null));
        }
        return cols;
    }

    static Table tableDef(String name, boolean partitioned) {
        StorageDescriptor sd = new StorageDescriptor();
        sd.setCols(columns());
        sd.setInputFormat("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat");
        sd.setOutputFormat("org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat");
        sd.setCompressed(false);
        sd.setNumBuckets(-1);
        Map<String, String> serdeParams = new HashMap<>();
        serdeParams.put("serialization.format", "1");
        sd.setSerdeInfo(new SerDeInfo(null, "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", serdeParams));
        sd.setBucketCols(new ArrayList<>());
        sd.setSortCols(new ArrayList<>());
        sd.setParameters(new HashMap<>());
        Table t = new Table();
        t.setDbName(DB);
        t.setTableName(name);
        t.setOwner("bench");
        t.setSd(sd);
        t.setTableType("MANAGED_TABLE");
        t.setParameters(new HashMap<>());
        List<FieldSchema> keys = new ArrayList<>();
        if (partitioned) {
            keys.add(new FieldSchema("ds", "string", null));
            keys.add(new FieldSchema("hr", "int", null));
        }
        t.setPartitionKeys(keys);
        return t;
    }

    static String ds(long index) {
        return BASE_DAY.plusDays(index / 24).toString();
    }

    static String dayOf(long day) {
        return BASE_DAY.plusDays(day).toString();
    }

    static String partName(long index) {
        return "ds=" + ds(index) + "/hr=" + (index % 24);
    }

    /**
     * Partitions [from, to) of a (ds, hr) table, shaped like Hive's Hive.createPartitions sends them:
     * a copy of the table's storage descriptor (20 columns), no location unless locationPrefix is set.
     */
    static List<Partition> partitions(Table t, long from, long to, String locationPrefix) {
        List<Partition> out = new ArrayList<>((int) (to - from));
        for (long i = from; i < to; i++) {
            StorageDescriptor sd = new StorageDescriptor(t.getSd());
            if (locationPrefix != null) {
                sd.setLocation(locationPrefix + "/" + partName(i));
            }
            Partition p = new Partition();
            p.setDbName(t.getDbName());
            p.setTableName(t.getTableName());
            List<String> values = new ArrayList<>(2);
            values.add(ds(i));
            values.add(Long.toString(i % 24));
            p.setValues(values);
            p.setSd(sd);
            p.setParameters(new HashMap<>());
            out.add(p);
        }
        return out;
    }

    // ---- operations ----------------------------------------------------------------------------
    /** Days a read rotates over (so no two consecutive calls ask for the same day). */
    int days() {
        return Math.max(1, intOpt("parts", 10_000) / 24);
    }

    int rotatingDay(int i) {
        return (int) Math.floorMod(i * 7L + 3, (long) days());
    }

    Call operation(String op) throws Exception {
        String table = opt("table", "parts");
        switch (op) {
            case "get_database":
                return i -> client.get_database(DB).getParametersSize();
            case "get_table":
                return i -> client.get_table(DB, opt("table", "wide")).getSd().getColsSize();
            case "get_all_tables":
                return i -> client.get_all_tables(DB).size();
            case "get_table_meta":
                return i -> client.get_table_meta(DB, "*", null).size();
            case "get_partition_names":
                return i -> client.get_partition_names(DB, table, (short) -1).size();
            case "get_partitions":
                return i -> client.get_partitions(DB, table, (short) -1).size();
            case "get_partitions_received": {
                // Times the server: request sent until the reply's last byte has arrived. The reply is
                // then decoded (untimed) and checked, so a wrong or short reply still fails the run.
                if (buffered == null) {
                    throw new IllegalArgumentException("get_partitions_received needs --transport buffered");
                }
                long before = buffered.consumed;
                int expected = client.get_partitions(DB, table, (short) -1).size();
                int replyBytes = (int) (buffered.consumed - before);
                return i -> {
                    long s = System.nanoTime();
                    client.send_get_partitions(DB, table, (short) -1);
                    byte[] reply = buffered.readExactly(replyBytes);
                    timedMs = (System.nanoTime() - s) / 1e6;
                    TBinaryProtocol mem = new TBinaryProtocol(new org.apache.thrift.transport.TMemoryInputTransport(
                            new TConfiguration(Integer.MAX_VALUE, Integer.MAX_VALUE, TConfiguration.DEFAULT_RECURSION_DEPTH), reply));
                    mem.readMessageBegin();
                    ThriftHiveMetastore.get_partitions_result result = new ThriftHiveMetastore.get_partitions_result();
                    result.read(mem);
                    mem.readMessageEnd();
                    int got = result.isSetSuccess() ? result.getSuccess().size() : -1;
                    if (got != expected) {
                        throw new IllegalStateException("reply held " + got + " partitions, expected " + expected);
                    }
                    return replyBytes;
                };
            }
            case "get_partitions_by_filter":
                return i -> client.get_partitions_by_filter(DB, table, "ds = \"" + dayOf(rotatingDay(i)) + "\"", (short) -1).size();
            case "get_partition_names_ps":
                return i -> client.get_partition_names_ps(DB, table, Collections.singletonList(dayOf(rotatingDay(i))), (short) -1).size();
            case "get_partitions_by_names": {
                int count = intOpt("names", 24);
                int total = intOpt("parts", 10_000);
                return i -> {
                    long start = count <= 24 ? rotatingDay(i) * 24L : Math.floorMod(i * 997L, (long) Math.max(1, total - count + 1));
                    List<String> names = new ArrayList<>(count);
                    for (long k = start; k < start + count; k++) {
                        names.add(partName(k));
                    }
                    return client.get_partitions_by_names(DB, table, names).size();
                };
            }
            case "create_drop_table": {
                String prefix = opt("prefix", "cd");
                return i -> {
                    String name = prefix + (i < 0 ? "_w" + (-i) : "_" + i);
                    client.create_table(tableDef(name, false));
                    client.drop_table(DB, name, true);
                    return 1;
                };
            }
            default:
                throw new IllegalArgumentException("unknown operation " + op);
        }
    }

    /** Warm up, wait for the go signal if asked, then time N calls. */
    Map<String, Object> timeLoop(String op, Call call, int warmup, int n) throws Exception {
        for (int i = 0; i < warmup; i++) {
            call.run(-1 - i);
        }
        String ready = opts.get("ready");
        String go = opts.get("go");
        if (ready != null) {
            Files.createFile(Path.of(ready));
            File goFile = new File(go);
            while (!goFile.exists()) {
                Thread.sleep(1);
            }
        }
        double[] lat = new double[n];
        long size = 0;
        long startedMs = System.currentTimeMillis();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long s = System.nanoTime();
            timedMs = -1;
            size = call.run(i);
            lat[i] = timedMs >= 0 ? timedMs : (System.nanoTime() - s) / 1e6;
        }
        double wallS = (System.nanoTime() - t0) / 1e9;
        long endedMs = System.currentTimeMillis();
        Map<String, Object> out = result(op, warmup, lat);
        out.put("result_size", size);
        out.put("wall_s", wallS);
        out.put("started_ms", startedMs);
        out.put("ended_ms", endedMs);
        return out;
    }

    Map<String, Object> result(String op, int warmup, double[] lat) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("op", op);
        out.put("client", "java");
        out.put("port", intOpt("port", 9083));
        out.put("warmup", warmup);
        out.put("n", lat.length);
        out.put("latencies_ms", lat);
        return out;
    }

    /** Batch size addRange ended up using (smaller than asked if the server refused a big batch). */
    int batchUsed;

    /**
     * Add partitions [from, to) to `table` in batches; one latency per batch.  If the server refuses
     * a batch and --fallback-batch is smaller, that batch and the rest are sent in fallback-size batches
     * (the failed call is one transaction on metahive, so nothing of it was added).
     */
    double[] addRange(Table t, long from, long to, int batch, String locationPrefix, String label) throws Exception {
        int fallback = intOpt("fallback-batch", 0);
        List<Double> lat = new ArrayList<>();
        long lastReport = System.nanoTime();
        batchUsed = batch;
        long lo = from;
        while (lo < to) {
            long hi = Math.min(to, lo + batchUsed);
            List<Partition> parts = partitions(t, lo, hi, locationPrefix);
            long s = System.nanoTime();
            int added;
            try {
                added = client.add_partitions(parts);
            } catch (Exception e) {
                if (fallback <= 0 || fallback >= batchUsed) {
                    throw e;
                }
                System.err.printf(Locale.ROOT, "  [%s] add_partitions of %,d refused (%s); using batches of %,d%n",
                        label, hi - lo, e, fallback);
                batchUsed = fallback;
                socket.close();
                connect();
                continue;
            }
            lat.add((System.nanoTime() - s) / 1e6);
            if (added != hi - lo) {
                throw new IllegalStateException("add_partitions returned " + added + ", expected " + (hi - lo));
            }
            lo = hi;
            if (System.nanoTime() - lastReport > 10e9 && lo < to) {
                System.err.printf(Locale.ROOT, "  [%s] %s: %,d / %,d partitions%n", label, t.getTableName(), lo, to);
                lastReport = System.nanoTime();
            }
        }
        return lat.stream().mapToDouble(Double::doubleValue).toArray();
    }

    Table ensureTable(String name, boolean partitioned) throws Exception {
        try {
            return client.get_table(DB, name);
        } catch (NoSuchObjectException e) {
            client.create_table(tableDef(name, partitioned));
            return client.get_table(DB, name);
        }
    }

    void ensureDatabase() throws Exception {
        try {
            client.get_database(DB);
        } catch (NoSuchObjectException e) {
            Database d = new Database();
            d.setName(DB);
            d.setDescription("metahive benchmark");
            d.setParameters(new HashMap<>());
            client.create_database(d);
        }
    }

    Map<String, Object> run(String op) throws Exception {
        int n = intOpt("n", 10);
        int warmup = intOpt("warmup", 0);
        int batch = intOpt("batch", 1000);
        String label = opt("label", "");
        switch (op) {
            case "setup": {
                // database bench, table wide (20 columns), table parts (20 columns, ds/hr) with --parts
                // partitions added in batches of --batch: the latencies are the load's add_partitions calls.
                ensureDatabase();
                ensureTable("wide", false);
                Table parts = ensureTable(opt("table", "parts"), true);
                double[] lat = addRange(parts, 0, intOpt("parts", 10_000), batch, null, label);
                return result("add_partitions_load", 0, lat);
            }
            case "add_partitions": {
                // --n fresh tables (prefix_1..n), each filled with --parts partitions in batches of --batch.
                List<Double> all = new ArrayList<>();
                List<Double> perTable = new ArrayList<>();
                for (int k = 1; k <= n; k++) {
                    Table t = ensureTable(opt("prefix", "addp") + "_" + k, true);
                    long s = System.nanoTime();
                    for (double v : addRange(t, 0, intOpt("parts", 10_000), batch, null, label)) {
                        all.add(v);
                    }
                    perTable.add((System.nanoTime() - s) / 1e6);
                }
                Map<String, Object> out = result(op, 0, all.stream().mapToDouble(Double::doubleValue).toArray());
                out.put("per_table_ms", perTable.stream().mapToDouble(Double::doubleValue).toArray());
                return out;
            }
            case "add_range": {
                // Grow --table from --from to --to partitions (bench-scale), explicit locations under --location.
                ensureDatabase();
                Table t = ensureTable(opt("table", "scale"), true);
                long from = Long.parseLong(opt("from", "0"));
                long to = Long.parseLong(opt("to", "1000"));
                long s = System.nanoTime();
                double[] lat = addRange(t, from, to, batch, opt("location", null), label);
                Map<String, Object> out = result(op, 0, lat);
                out.put("total_ms", (System.nanoTime() - s) / 1e6);
                out.put("partitions", to - from);
                out.put("batch", batchUsed);
                return out;
            }
            case "digest":
                return digest();
            default:
                return timeLoop(op, operation(op), warmup, n);
        }
    }

    /**
     * What the server stored and serves, to check both servers answer with the same data: a digest of
     * every partition of --table (values, location under the table's, columns, formats, serde) and of
     * the table, plus the parameter keys seen and the reply sizes in bytes.
     */
    Map<String, Object> digest() throws Exception {
        String table = opt("table", "parts");
        Table t = client.get_table(DB, table);
        String root = t.getSd().getLocation();
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
        java.util.TreeSet<String> paramKeys = new java.util.TreeSet<>();
        java.util.TreeSet<String> sdParamKeys = new java.util.TreeSet<>();
        List<Partition> parts = client.get_partitions(DB, table, (short) -1);
        List<String> lines = new ArrayList<>();
        for (Partition p : parts) {
            StorageDescriptor sd = p.getSd();
            String loc = sd.getLocation();
            String rel = loc != null && root != null && loc.startsWith(root) ? loc.substring(root.length()) : "!" + loc;
            StringBuilder cols = new StringBuilder();
            for (FieldSchema f : sd.getCols()) {
                cols.append(f.getName()).append(':').append(f.getType()).append(',');
            }
            lines.add(String.join("|", p.getValues()) + "|" + rel + "|" + cols + "|" + sd.getInputFormat() + "|"
                    + sd.getOutputFormat() + "|" + sd.getSerdeInfo().getSerializationLib() + "|" + sd.getNumBuckets());
            if (p.getParameters() != null) {
                paramKeys.addAll(p.getParameters().keySet());
            }
            if (sd.getParameters() != null) {
                sdParamKeys.addAll(sd.getParameters().keySet());
            }
        }
        Collections.sort(lines);
        for (String line : lines) {
            md.update(line.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            md.update((byte) 10);
        }
        StringBuilder tcols = new StringBuilder();
        for (FieldSchema f : t.getSd().getCols()) {
            tcols.append(f.getName()).append(':').append(f.getType()).append(',');
        }
        for (FieldSchema f : t.getPartitionKeys()) {
            tcols.append("key ").append(f.getName()).append(':').append(f.getType()).append(',');
        }
        org.apache.thrift.TSerializer ser = new org.apache.thrift.TSerializer(new TBinaryProtocol.Factory());
        long partBytes = 0;
        for (Partition p : parts) {
            partBytes += ser.serialize(p).length;
        }
        // The client's own share of a get_partitions call: decoding the reply from memory (a floor under
        // any server's end-to-end latency for this call).
        ThriftHiveMetastore.get_partitions_result reply = new ThriftHiveMetastore.get_partitions_result();
        reply.setSuccess(parts);
        byte[] replyBytes = ser.serialize(reply);
        org.apache.thrift.TDeserializer de = new org.apache.thrift.TDeserializer(new TBinaryProtocol.Factory());
        double[] decode = new double[15];
        for (int i = -5; i < decode.length; i++) {
            long s = System.nanoTime();
            de.deserialize(new ThriftHiveMetastore.get_partitions_result(), replyBytes);
            if (i >= 0) {
                decode[i] = (System.nanoTime() - s) / 1e6;
            }
        }
        java.util.Arrays.sort(decode);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("op", "digest");
        out.put("client_decode_get_partitions_ms_p50", decode[decode.length / 2]);
        out.put("partitions", (long) parts.size());
        out.put("partitions_sha256", java.util.HexFormat.of().formatHex(md.digest()));
        out.put("partition_parameter_keys", String.join(",", paramKeys));
        out.put("partition_sd_parameter_keys", String.join(",", sdParamKeys));
        out.put("partitions_bytes", partBytes);
        out.put("table", tcols + "|" + t.getTableType() + "|" + t.getSd().getSerdeInfo().getSerializationLib());
        out.put("table_parameter_keys", String.join(",", new java.util.TreeSet<>(t.getParameters().keySet())));
        out.put("table_bytes", (long) ser.serialize(t).length);
        return out;
    }

    // ---- JSON ----------------------------------------------------------------------------------
    static String json(Object v) {
        if (v == null) {
            return "null";
        } else if (v instanceof String s) {
            StringBuilder b = new StringBuilder("\"");
            for (char c : s.toCharArray()) {
                if (c == '"' || c == '\\') {
                    b.append('\\').append(c);
                } else if (c < 0x20) {
                    b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                } else {
                    b.append(c);
                }
            }
            return b.append('"').toString();
        } else if (v instanceof double[] arr) {
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < arr.length; i++) {
                b.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.4f", arr[i]));
            }
            return b.append(']').toString();
        } else if (v instanceof Double d) {
            return String.format(Locale.ROOT, "%.6f", d);
        } else if (v instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder("{");
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                b.append(first ? "" : ",").append(json(e.getKey().toString())).append(':').append(json(e.getValue()));
                first = false;
            }
            return b.append('}').toString();
        }
        return v.toString();
    }

    public static void main(String[] args) throws Exception {
        BenchClient bc = new BenchClient();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --option value pairs, got " + args[i]);
            }
            bc.opts.put(args[i].substring(2), args[i + 1]);
        }
        String op = bc.opt("op", null);
        if (op == null) {
            System.err.println("usage: BenchClient --port P --op OPERATION [--n N] [--warmup W] [--table T] ...");
            System.exit(2);
        }
        bc.connect();
        try {
            System.out.println(json(bc.run(op)));
        } finally {
            bc.socket.close();
        }
    }
}
