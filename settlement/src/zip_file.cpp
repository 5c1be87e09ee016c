#include "hc/settle/zip_file.hpp"

#include "hc/settle/error.hpp"

#include <memory>
#include <zip.h>

namespace hc::settle {

namespace {

std::string zipError(zip_error_t* e) {
    std::string s = zip_error_strerror(e);
    zip_error_fini(e);
    return s;
}

} // namespace

std::string makeZip(const std::string& name, std::string_view content) {
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* out = zip_source_buffer_create(nullptr, 0, 0, &err);
    if (out == nullptr) {
        throw StoreError("zip: " + zipError(&err));
    }
    zip_source_keep(out);
    const std::unique_ptr<zip_source_t, decltype(&zip_source_free)> keep(out, &zip_source_free);
    zip_t* za = zip_open_from_source(out, ZIP_TRUNCATE, &err);
    if (za == nullptr) {
        throw StoreError("zip: " + zipError(&err));
    }
    zip_source_t* entry = zip_source_buffer(za, content.data(), content.size(), 0);
    if (entry == nullptr || zip_file_add(za, name.c_str(), entry, ZIP_FL_ENC_UTF_8) < 0) {
        const std::string e = zip_strerror(za);
        if (entry != nullptr) {
            zip_source_free(entry);
        }
        zip_discard(za);
        throw StoreError("zip: adding " + name + ": " + e);
    }
    if (zip_close(za) < 0) {
        const std::string e = zip_strerror(za);
        zip_discard(za);
        throw StoreError("zip: " + e);
    }
    if (zip_source_open(out) < 0) {
        throw StoreError("zip: cannot read the archive back");
    }
    std::string bytes;
    char buf[65536];
    for (;;) {
        const auto n = zip_source_read(out, buf, sizeof buf);
        if (n < 0) {
            zip_source_close(out);
            throw StoreError("zip: cannot read the archive back");
        }
        if (n == 0) {
            break;
        }
        bytes.append(buf, static_cast<std::size_t>(n));
    }
    zip_source_close(out);
    return bytes;
}

ZipEntry readSingleTextZip(std::string_view archive, const std::string& what, std::size_t maxSize) {
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* src = zip_source_buffer_create(archive.data(), archive.size(), 0, &err);
    if (src == nullptr) {
        throw InputError(what, "zip: " + zipError(&err));
    }
    zip_t* za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
    if (za == nullptr) {
        zip_source_free(src);
        throw InputError(what, "not a ZIP archive (" + zipError(&err) + ")");
    }
    const std::unique_ptr<zip_t, decltype(&zip_discard)> guard(za, &zip_discard);
    if (zip_get_num_entries(za, 0) != 1) {
        throw InputError(what,
            "the archive must hold exactly one file, it holds "
                + std::to_string(zip_get_num_entries(za, 0)));
    }
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(za, 0, 0, &st) < 0 || (st.valid & ZIP_STAT_SIZE) == 0
        || (st.valid & ZIP_STAT_NAME) == 0) {
        throw InputError(what, "cannot read the archive's entry");
    }
    ZipEntry e;
    e.name = st.name;
    if (e.name.size() < 4 || e.name.substr(e.name.size() - 4) != ".txt") {
        throw InputError(what, "the archive's file must be a .txt, it is '" + e.name + "'");
    }
    if (st.size > maxSize) {
        throw InputError(what, "the archive's file is larger than " + std::to_string(maxSize));
    }
    zip_file_t* f = zip_fopen_index(za, 0, 0);
    if (f == nullptr) {
        throw InputError(what, std::string("cannot open the entry: ") + zip_strerror(za));
    }
    e.content.resize(static_cast<std::size_t>(st.size));
    std::size_t got = 0;
    while (got < e.content.size()) {
        const auto n = zip_fread(f, e.content.data() + got, e.content.size() - got);
        if (n <= 0) {
            const std::string msg = zip_file_strerror(f);
            zip_fclose(f);
            throw InputError(what, "cannot read the entry (" + msg + ")");
        }
        got += static_cast<std::size_t>(n);
    }
    char extra = 0;
    const auto more = zip_fread(f, &extra, 1);
    const std::string msg = zip_file_strerror(f);
    zip_fclose(f);
    if (more != 0) {
        throw InputError(what, "the entry is longer than its header says (" + msg + ")");
    }
    return e;
}

} // namespace hc::settle
