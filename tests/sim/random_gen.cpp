// The random program generator. Registers: r1, r2 buffer addresses, r3/r4 a window
// position, r5/r6 loop counters, r7..r15 free. Loop bodies and skipped branches use only
// "stateless" instructions (no change to the IR length or macro windows the generator
// tracks), so every instruction stays legal however often it runs.
#include "tests/sim/random_gen.h"

#include <cstdarg>
#include <cstdio>

namespace simtest {

RandomGen::RandomGen(uint64_t seed, const CimChipCfg &cfg) : cfg_(cfg)
{
    cim_rng_seed(&rng_, seed);
    for (unsigned &n : ncol_)
        n = cfg.array.cols;
}

unsigned RandomGen::pick(unsigned n) { return static_cast<unsigned>(cim_rng_u64(&rng_) % n); }

void RandomGen::emit(const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    text_ += buf;
    text_ += '\n';
}

// Addresses, the window unit, a layer table, some array rows and the IR.
void RandomGen::prologue()
{
    emit("li r1, %u", 16384 + 64 * pick(64));
    emit("li r2, %u", 131072 + 64 * pick(64));
    k_ = 1 + 2 * pick(3);
    C_ = 1 + pick(64);
    H_ = k_ + pick(6);
    W_ = k_ + pick(6);
    emit("wcfg r0, %u, %u, %u, %u, %u", C_, H_, W_, k_, (k_ - 1) / 2);
    ir_len_ = 0;
    nf_ = 1 + pick(256);
    emit("lcfg r2, %u, %s", nf_, pick(2) ? "ref" : "skip");
    for (unsigned m = 0; m < cfg_.macros; m += 1 + pick(2))
        csel(m, nf_);
    for (unsigned i = 0, n = 4 + pick(12); i < n; i++) {
        emit("addi r7, r1, %u", 64 * pick(256));
        emit("wrow m%u, %u, r7", macro(), pick(cfg_.array.rows));
    }
    emit("li r3, %u", pick(H_));
    emit("li r4, %u", pick(W_));
    unsigned n = 1 + pick(cfg_.ctrl.ir_bits);
    emit("ild r1, %u", n);
    ir_len_ = n;
}

// A column window of 1..max_cols columns on macro m.
void RandomGen::csel(unsigned m, unsigned max_cols)
{
    unsigned n = 1 + pick(max_cols < cfg_.array.cols ? max_cols : cfg_.array.cols);
    emit("csel m%u, %u, %u", m, pick(cfg_.array.cols - n + 1), n);
    ncol_[m] = n;
}

void RandomGen::scalar()
{
    switch (pick(5)) {
    case 0: emit("li r%u, %d", scratch(), static_cast<int>(pick(2000)) - 1000); break;
    case 1: emit("addi r%u, r%u, %d", scratch(), scratch(), static_cast<int>(pick(200)) - 100); break;
    case 2: emit("add r%u, r%u, r%u", scratch(), scratch(), scratch()); break;
    case 3: emit("sub r%u, r%u, r%u", scratch(), scratch(), scratch()); break;
    default: emit("nop"); break;
    }
}

void RandomGen::array_read()
{
    unsigned m = macro(), rows = cfg_.array.rows;
    switch (pick(4)) {
    case 0: emit("rrow m%u, %u", m, pick(rows)); break;
    case 1: {
        unsigned a = pick(rows), b = (a + 1 + pick(rows - 1)) % rows;
        emit("dual.%s m%u, %u, %u", cim_op_info(static_cast<CimLogicOp>(pick(CIM_OP_COUNT)))->mnemonic, m, a, b);
        break;
    }
    case 2:
        if (ir_len_ > 0) {
            unsigned n = 1 + pick(ir_len_ < rows ? ir_len_ : rows);
            unsigned off = pick(ir_len_ - n + 1), row0 = pick(rows - n + 1);
            emit("gated m%u, %u, %u, %u", m, row0, n, off);
        }
        break;
    default: emit("popo r%u, m%u", scratch(), m); break;
    }
}

void RandomGen::array_other()
{
    unsigned m = macro();
    switch (pick(4)) {
    case 0: emit("cclr m%u", m); break;
    case 1: emit("ost m%u, r1", m); break;
    case 2: emit("wrow m%u, %u, r%u", m, pick(cfg_.array.rows), 1 + pick(2)); break;
    default: emit("stw r%u, r1", scratch()); break;
    }
}

void RandomGen::ppu()
{
    unsigned m = macro();
    switch (pick(7)) {
    case 0: emit("pclr"); break;
    case 1:
        if (ncol_[m] <= nf_)
            emit("pacc m%u, %u, %u, %u", m, pick(nf_ - ncol_[m] + 1), pick(8), pick(2));
        break;
    case 2: emit("pfin"); break;
    case 3: emit("pthr"); break;
    case 4: emit("prclr"); break;
    case 5: emit("pstb r2"); break;
    default: emit("psti r2"); break;
    }
}

// Instructions that change what the generator tracks, or use the host stream.
void RandomGen::stateful()
{
    unsigned m = macro(), n;
    switch (pick(5)) {
    case 0:
        emit("li r3, %u", pick(H_));
        emit("li r4, %u", pick(W_));
        emit("win r3, r4");
        ir_len_ = k_ * k_ * C_;
        break;
    case 1:
        n = 1 + pick(cfg_.ctrl.ir_bits);
        emit("ild r1, %u", n);
        ir_len_ = n;
        break;
    case 2: csel(m, cfg_.array.cols); break;
    case 3:
        n = 1 + pick(2048);
        emit("dmai r1, %u", n);
        in_bits += n;
        break;
    default:
        n = 1 + pick(2048);
        emit("dmao r2, %u", n);
        out_bits += n;
        break;
    }
}

void RandomGen::block(bool stateless)
{
    unsigned k = pick(stateless ? 8 : 10);
    if (k < 2)
        scalar();
    else if (k < 5)
        array_read();
    else if (k < 6)
        array_other();
    else if (k < 8)
        ppu();
    else
        stateful();
}

// li rN, iterations; body; addi rN, rN, -1; bne rN, r0, back. depth 0 may nest once.
void RandomGen::loop(unsigned depth)
{
    unsigned reg = 5 + depth, l = labels_++;
    emit("li r%u, %u", reg, 1 + pick(4));
    emit("L%u:", l);
    for (unsigned i = 0, n = 1 + pick(5); i < n; i++)
        if (depth == 0 && pick(6) == 0)
            loop(1);
        else
            block(true);
    emit("addi r%u, r%u, -1", reg, reg);
    emit("bne r%u, r0, L%u", reg, l);
}

// A forward branch (taken or not, decided by data) or jump over stateless blocks.
void RandomGen::branch()
{
    unsigned l = labels_++;
    switch (pick(3)) {
    case 0: emit("blt r%u, r%u, L%u", scratch(), scratch(), l); break;
    case 1: emit("bne r%u, r%u, L%u", scratch(), scratch(), l); break;
    default: emit("jmp L%u", l); break;
    }
    for (unsigned i = 0, n = 1 + pick(3); i < n; i++)
        block(true);
    emit("L%u:", l);
}

std::string RandomGen::program(unsigned blocks)
{
    text_.clear();
    in_bits = out_bits = 0;
    prologue();
    for (unsigned i = 0; i < blocks; i++) {
        unsigned k = pick(12);
        if (k == 0)
            loop(0);
        else if (k == 1)
            branch();
        else
            block(false);
    }
    emit("halt");
    return text_;
}

}  // namespace simtest
