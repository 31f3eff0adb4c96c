// Trace window: a process waits for the start cycle, switches every module's trace
// signals on (each shows its current state), and switches them off at the end cycle.
// At close the file is made reproducible and readable: see tracer.h.
#include "sim/tracer.h"

#include "models/isa/isa.h"

#include <cctype>
#include <cstdio>
#include <cstring>

namespace cim {

Tracer::Tracer(sc_core::sc_module_name name, Chip &chip, const std::string &path, uint64_t start_cycle,
               uint64_t end_cycle, bool clock, const Naming &naming)
    : sc_core::sc_module(name), chip_(chip), path_(path), naming_(naming), start_(start_cycle), end_(end_cycle)
{
    tf_ = sc_core::sc_create_vcd_trace_file((path + ".tmp").c_str());
    tf_->set_time_unit(1, sc_core::SC_PS);
    chip_.trace(tf_, clock);
    SC_HAS_PROCESS(Tracer);
    SC_THREAD(window);
}

void Tracer::window()
{
    uint64_t per = chip_.clock.period().value();
    wait(sc_core::sc_time::from_value(start_ * per));
    if (!tf_)
        return;
    chip_.set_tracing(true);
    if (end_ == 0)
        return;
    wait(sc_core::sc_time::from_value((end_ > start_ ? end_ - start_ : 0) * per));
    chip_.set_tracing(false);
}

namespace {

// The chip's name as a VCD identifier: "my chip-1" -> "my_chip_1"; "chip" if empty.
std::string scope_name(const std::string &name)
{
    std::string s;
    for (char c : name)
        s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return s.empty() ? "chip" : s;
}

// Copies the VCD in to out: the $date section left out (unless date), SystemC's top scope
// renamed to top; the value changes after the header copied as they are.
bool rewrite_vcd(std::FILE *in, std::FILE *out, const std::string &top, bool date)
{
    char line[4096];
    bool in_date = false, header = true;
    while (header && std::fgets(line, sizeof line, in)) {
        if (!date && std::strncmp(line, "$date", 5) == 0)
            in_date = true;
        if (in_date) {
            in_date = std::strstr(line, "$end") == nullptr;
            if (!in_date && std::fgets(line, sizeof line, in) && line[0] != '\n')
                std::fputs(line, out); /* the blank line after $date's $end goes too */
            continue;
        }
        if (std::strcmp(line, "$scope module SystemC $end\n") == 0)
            std::fprintf(out, "$scope module %s $end\n", top.c_str());
        else
            std::fputs(line, out);
        header = std::strncmp(line, "$enddefinitions", 15) != 0;
    }
    char buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, in)) > 0)
        if (std::fwrite(buf, 1, n, out) != n)
            return false;
    return !std::ferror(in);
}

// Writes lines (text) to path through path.tmp and a rename.
bool write_atomic(const std::string &path, const std::string &text)
{
    std::string tmp = path + ".tmp";
    std::FILE *f = std::fopen(tmp.c_str(), "w");
    if (!f)
        return false;
    bool ok = std::fputs(text.c_str(), f) >= 0;
    ok = std::fclose(f) == 0 && ok;
    return ok && std::rename(tmp.c_str(), path.c_str()) == 0;
}

// GTKWave translate filters: "VALUE NAME" per line, VALUE in hex as GTKWave shows it
// (upper case, one digit per 4 bits of the signal).
std::string opcode_filter()
{
    std::string s;
    char line[64];
    for (int i = 0; i < CIM_I_COUNT; i++) {
        const CimInsnInfo *in = cim_isa_info(static_cast<CimInsnId>(i));
        std::snprintf(line, sizeof line, "%02X %s\n", in->opcode, in->mnemonic);
        s += line;
    }
    return s;
}

std::string state_filter()
{
    static const char *const names[] = {"idle", "issue", "stall_unit", "stall_reg", "drain"};
    std::string s;
    char line[64];
    for (int i = 0; i <= Controller::DRAIN; i++) {
        std::snprintf(line, sizeof line, "%X %s\n", i, names[i]);
        s += line;
    }
    return s;
}

}  // namespace

// SystemC writes a time step's values when time moves past it, so the last step of the
// last run reaches the file only after one more period of (idle) time.
bool Tracer::close()
{
    if (!tf_)
        return true;
    sc_core::sc_start(chip_.clock.period());
    chip_.set_tracing(false); /* later runs pay nothing for the trace */
    sc_core::sc_close_vcd_trace_file(tf_);
    tf_ = nullptr;
    std::string raw = path_ + ".tmp.vcd", tmp = path_ + ".tmp";
    std::FILE *in = std::fopen(raw.c_str(), "r"), *out = std::fopen(tmp.c_str(), "w");
    bool ok = in && out && rewrite_vcd(in, out, scope_name(naming_.top), naming_.date);
    if (in)
        std::fclose(in);
    if (out)
        ok = std::fclose(out) == 0 && ok;
    ok = ok && write_atomic(path_ + ".opcodes.txt", opcode_filter()) &&
         write_atomic(path_ + ".state.txt", state_filter());
    ok = ok && std::rename(tmp.c_str(), path_.c_str()) == 0;
    std::remove(ok ? raw.c_str() : tmp.c_str());
    return ok;
}

}  // namespace cim
