import java.io.BufferedWriter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The import benchmark's two halves, run with the JDK's single-file launcher (no dependencies):
 * <pre>
 * java bench/ImportBench.java generate --rows 1000000 --variant 0 --out vendors.csv
 * java bench/ImportBench.java xlsx --csv vendors.csv --out vendors.xlsx
 * java bench/ImportBench.java records --csv vendors.csv --out vendors.tsv
 * java bench/ImportBench.java run --url http://127.0.0.1:8080 --key KEY --file vendors.csv
 * </pre>
 * generate writes a deterministic 12-column vendor CSV (variant 1 changes two fields of every row, for an all-update
 * re-load). run creates an import through the Imports resource, uploads the file to its signed URL, polls until the
 * import ends and prints one line: seconds, status and stats.
 */
public class ImportBench {

    static final String HEADER = "external_id,name,website,status,hq_location,raw_irq_score,raw_residual_risk_score,"
            + "business_unit,enterprise,vendor_category,next_assessment_date,contract_length";
    static final String[] STATUS = {"active", "onboarding", "inactive", "offboarding"};
    static final String[] UNITS = {"Finance and Accounting", "Platform Engineering", "Sales Operations",
        "Legal and Compliance", "Global Operations", "People and Culture"};
    static final String[] CATEGORIES = {"Software as a Service", "Professional Consulting", "Hardware Supplier",
        "Logistics and Freight", "Marketing Services"};
    static final String[] COMPANIES = {"Northwind Analytics", "Blue Harbor Systems", "Contoso Data Services",
        "Fabrikam Industrial", "Tailspin Logistics", "Adventure Works Cloud", "Litware Security"};
    static final String[] SUFFIXES = {"Holdings Ltd", "GmbH", "Inc.", "Group PLC", "SAS", "LLC"};
    static final String[] STREETS = {"Market Street, Suite 400, San Francisco, CA 94105",
        "Avenue of the Americas, Floor 12, New York, NY 10036", "Friedrichstrasse, 10117 Berlin, Germany",
        "Bishopsgate, London EC2M 4QP, United Kingdom", "Congress Avenue, Austin, TX 78701",
        "Rue de Rivoli, 75001 Paris, France"};

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        switch (args.length == 0 ? "" : args[0]) {
            case "generate" -> generate(Integer.parseInt(o.getOrDefault("rows", "1000000")),
                    Integer.parseInt(o.getOrDefault("variant", "0")), Path.of(o.get("out")));
            case "xlsx" -> xlsx(Path.of(o.get("csv")), Path.of(o.get("out")));
            case "records" -> records(Path.of(o.get("csv")), Path.of(o.get("out")));
            case "run" -> run(o.get("url"), o.get("key"), Path.of(o.get("file")), o.getOrDefault("resource", "vendor"),
                    o.getOrDefault("action", "merge"));
            case "rollback" -> rollback(o.get("url"), o.get("key"), o.get("id"));
            default -> {
                System.err.println("usage: ImportBench generate --rows N --variant 0|1 --out FILE | run --url U --key K"
                        + " --file F [--action merge|overwrite|delete] | rollback --url U --key K --id IMPORT_ID");
                System.exit(2);
            }
        }
    }

    static void generate(int rows, int variant, Path out) throws IOException {
        LocalDate base = LocalDate.of(2026, 1, 1);
        try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            w.write(HEADER);
            w.write('\n');
            StringBuilder b = new StringBuilder(256);
            for (int i = 0; i < rows; i++) {
                b.setLength(0);
                String company = COMPANIES[i % COMPANIES.length];
                b.append("vendor-").append(String.format("%08d", i)).append(',')
                        .append(company).append(variant == 0 ? " " : " renamed ").append(i).append(' ')
                        .append(SUFFIXES[i % SUFFIXES.length]).append(',')
                        .append("https://www.").append(company.toLowerCase(java.util.Locale.ROOT).replace(' ', '-'))
                        .append('-').append(i).append(".example.com,")
                        .append(STATUS[i % 4]).append(',')
                        .append('"').append(100 + i % 9900).append(' ').append(STREETS[i % STREETS.length]).append('"')
                        .append(',')
                        .append((i * 7 + variant) % 100).append('.').append(i % 10).append(',')
                        .append((i * 13) % 100).append(',')
                        .append(UNITS[i % UNITS.length]).append(',')
                        .append(i % 3 == 0 ? "true" : "false").append(',')
                        .append(CATEGORIES[i % CATEGORIES.length]).append(',')
                        .append(base.plusDays(i % 730)).append(',')
                        .append(12 + i % 36).append(" months\n");
                w.append(b);
            }
        }
    }

    /**
     * The rows of a generated CSV as Freight stores them, in COPY's text format for a records-shaped table: id,
     * organization_id, object, external_id, data (the typed JSON document), created_at, updated_at. For the floor line.
     */
    static void records(Path csv, Path out) throws IOException {
        String[] names = HEADER.split(",");
        try (java.io.BufferedReader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8);
                BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            in.readLine();
            long n = 0;
            StringBuilder b = new StringBuilder(512);
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                List<String> cells = splitCsv(line);
                b.setLength(0);
                b.append("vndr_").append(String.format("%032x", n++)).append("\torg_bench\tvendor\t")
                        .append(cells.get(0)).append("\t{");
                for (int c = 1; c < names.length; c++) {
                    String v = cells.get(c);
                    b.append(c == 1 ? "" : ", ").append('"').append(names[c]).append("\": ");
                    if (names[c].startsWith("raw_") || v.equals("true") || v.equals("false")) {
                        b.append(v);
                    } else {
                        b.append('"').append(v.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
                    }
                }
                b.append("}\t1700000000000\t1700000000000\n");
                w.append(b);
            }
        }
    }

    /**
     * Converts a generated CSV (no quoted commas except the quoted address) into an XLSX whose text cells all use the
     * shared-strings table, as Excel writes them: the table is the reader's memory worst case.
     */
    static void xlsx(Path csv, Path out) throws IOException {
        Path sheet = Files.createTempFile("sheet", ".xml");
        Path strings = Files.createTempFile("sst", ".xml");
        Map<String, Integer> repeated = new HashMap<>();
        int[] count = {0};
        try (BufferedWriter sw = Files.newBufferedWriter(sheet, StandardCharsets.UTF_8);
                BufferedWriter tw = Files.newBufferedWriter(strings, StandardCharsets.UTF_8);
                java.io.BufferedReader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            sw.write("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><worksheet xmlns=\""
                    + "http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>");
            int r = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                r++;
                List<String> cells = splitCsv(line);
                sw.write("<row r=\"" + r + "\">");
                for (int c = 0; c < cells.size(); c++) {
                    String v = cells.get(c);
                    String ref = (char) ('A' + c) + Integer.toString(r);
                    if (r > 1 && v.matches("-?\\d+(\\.\\d+)?")) {
                        sw.write("<c r=\"" + ref + "\"><v>" + v + "</v></c>");
                        continue;
                    }
                    Integer index = repeated.get(v);
                    if (index == null) {
                        index = count[0]++;
                        tw.write("<si><t>" + v.replace("&", "&amp;").replace("<", "&lt;") + "</t></si>");
                        if (v.length() < 20 && !v.startsWith("vendor-") && !v.startsWith("Vendor")) {
                            repeated.put(v, index);
                        }
                    }
                    sw.write("<c r=\"" + ref + "\" t=\"s\"><v>" + index + "</v></c>");
                }
                sw.write("</row>");
            }
            sw.write("</sheetData></worksheet>");
        }
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(out))) {
            entry(zip, "[Content_Types].xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\""
                    + "http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" "
                    + "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" "
                    + "ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\""
                    + "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override "
                    + "PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-"
                    + "officedocument.spreadsheetml.worksheet+xml\"/><Override PartName=\"/xl/sharedStrings.xml\" "
                    + "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>"
                    + "</Types>");
            entry(zip, "_rels/.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\""
                    + "http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" "
                    + "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
                    + "Target=\"xl/workbook.xml\"/></Relationships>");
            entry(zip, "xl/workbook.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\""
                    + "http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas."
                    + "openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet name=\"Vendors\" "
                    + "sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>");
            entry(zip, "xl/_rels/workbook.xml.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships "
                    + "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" "
                    + "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
                    + "Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas."
                    + "openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>"
                    + "</Relationships>");
            zip.putNextEntry(new java.util.zip.ZipEntry("xl/sharedStrings.xml"));
            zip.write(("<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"http://schemas.openxmlformats.org/"
                    + "spreadsheetml/2006/main\" count=\"" + count[0] + "\" uniqueCount=\"" + count[0] + "\">")
                    .getBytes(StandardCharsets.UTF_8));
            Files.copy(strings, zip);
            zip.write("</sst>".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
            zip.putNextEntry(new java.util.zip.ZipEntry("xl/worksheets/sheet1.xml"));
            Files.copy(sheet, zip);
            zip.closeEntry();
        }
        Files.delete(sheet);
        Files.delete(strings);
    }

    static void entry(java.util.zip.ZipOutputStream zip, String name, String text) throws IOException {
        zip.putNextEntry(new java.util.zip.ZipEntry(name));
        zip.write(text.getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
    }

    /** Splits one line of the generated CSV: commas, and double quotes around a value that holds a comma. */
    static List<String> splitCsv(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder b = new StringBuilder();
        boolean quoted = false;
        for (char ch : line.toCharArray()) {
            if (ch == '"') {
                quoted = !quoted;
            } else if (ch == ',' && !quoted) {
                out.add(b.toString());
                b.setLength(0);
            } else {
                b.append(ch);
            }
        }
        out.add(b.toString());
        return out;
    }

    static void run(String url, String key, Path file, String resource, String action) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        long start = System.nanoTime();
        String created = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/imports"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"resource\": \"" + resource + "\", \"action\": \"" + action
                        + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        String id = field(created, "id");
        String upload = field(created, "_upload_url");
        String type = file.toString().endsWith(".xlsx")
                ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                : "text/csv";
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(upload))
                .header("Content-Type", type).PUT(HttpRequest.BodyPublishers.ofFile(file)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (put.statusCode() != 202) {
            throw new IllegalStateException("upload answered " + put.statusCode() + ": " + put.body());
        }
        long uploaded = System.nanoTime();
        String body;
        while (true) {
            body = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/imports/" + id))
                    .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString()).body();
            String status = field(body, "status");
            if (status.equals("completed") || status.equals("failed") || status.equals("timed_out")) {
                break;
            }
            Thread.sleep(100);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Matcher stats = Pattern.compile("\"stats\":(\\{[^}]*})").matcher(body);
        // Phase times are whole seconds: the cleanup's (an overwrite's deletions) to the second.
        Matcher cleanup = Pattern.compile("\"name\":\"cleanup\",\"status\":\"completed\",\"started_at\":([0-9]+),"
                + "\"finished_at\":([0-9]+)").matcher(body);
        String cleanupSeconds = cleanup.find()
                ? " cleanup_seconds=" + (Long.parseLong(cleanup.group(2)) - Long.parseLong(cleanup.group(1))) : "";
        System.out.printf("seconds=%.2f upload_seconds=%.2f status=%s stats=%s%s id=%s%n", seconds,
                (uploaded - start) / 1e9, field(body, "status"), stats.find() ? stats.group(1) : "?", cleanupSeconds,
                id);
    }

    /** Rolls an import back and prints the time its request took and what it did; exits 1 unless it answered 200. */
    static void rollback(String url, String key, String id) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        long start = System.nanoTime();
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/imports/" + id
                + "/rollback")).header("Authorization", "Bearer " + key).POST(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
        double seconds = (System.nanoTime() - start) / 1e9;
        if (answer.statusCode() != 200) {
            System.err.println("rollback answered " + answer.statusCode() + ": " + answer.body());
            System.exit(1);
        }
        Matcher counts = Pattern.compile("\"(deleted_count|restored_count)\":([0-9]+)").matcher(answer.body());
        StringBuilder done = new StringBuilder();
        while (counts.find()) {
            done.append(' ').append(counts.group(1)).append('=').append(counts.group(2));
        }
        System.out.printf("seconds=%.2f%s%n", seconds, done);
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":\"([^\"]*)\"").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + name + " in " + json);
        }
        return m.group(1);
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return o;
    }
}
