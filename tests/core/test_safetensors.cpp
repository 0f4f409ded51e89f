// SPDX-License-Identifier: MIT
#include "core/common/error.h"
#include "core/io/safetensors.h"
#include "tests/core/test_support.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <fstream>

using namespace tb::core;

class TestSafetensors : public QObject {
    Q_OBJECT
private slots:
    void roundTripEveryDtype()
    {
        tb::test::TempDir dir;
        std::map<std::string, torch::Tensor> tensors = {
            {"f32", torch::randn({3, 4})},
            {"bf16", torch::randn({5}).to(torch::kBFloat16)},
            {"f16", torch::randn({2, 2}).to(torch::kFloat16)},
            {"i64", torch::arange(7, torch::kInt64)},
            {"u8", torch::tensor({1, 2, 255}, torch::kUInt8)},
            {"scalar", torch::tensor(3.5)},
            {"empty", torch::zeros({0, 3})},
            {"strided", torch::randn({4, 6}).t()}, // non-contiguous input is written contiguously
        };
        writeSafetensors(dir / "t.safetensors", tensors, {{"format", "test"}, {"note", "ü ✓"}});
        const SafetensorsData back = readSafetensors(dir / "t.safetensors");
        QCOMPARE(back.tensors.size(), tensors.size());
        for (const auto& [name, t] : tensors) {
            const torch::Tensor& b = back.tensors.at(name);
            QCOMPARE(b.scalar_type(), t.scalar_type());
            QVERIFY2(b.sizes() == t.sizes(), name.c_str());
            QVERIFY2(torch::equal(b, t.contiguous()), name.c_str());
        }
        QCOMPARE(QString::fromStdString(back.metadata.at("note")), QString::fromUtf8("ü ✓"));
    }

    void headerLayoutIsStandard()
    {
        // Checked with an independent reading of the bytes: u64 little-endian length, JSON, 8-byte aligned data.
        tb::test::TempDir dir;
        writeSafetensors(dir / "a.safetensors", {{"x", torch::tensor({1.0f, 2.0f})}});
        std::ifstream in(dir / "a.safetensors", std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        uint64_t n = 0;
        for (int i = 7; i >= 0; --i)
            n = (n << 8) | static_cast<unsigned char>(bytes[size_t(i)]);
        QCOMPARE((8 + n) % 8, uint64_t(0));
        const auto header = nlohmann::json::parse(bytes.substr(8, n));
        QCOMPARE(QString::fromStdString(header["x"]["dtype"].get<std::string>()), QString("F32"));
        QCOMPARE(header["x"]["data_offsets"][1].get<int>(), 8);
        QCOMPARE(bytes.size(), size_t(8 + n + 8));
        float second = 0;
        std::memcpy(&second, bytes.data() + 8 + n + 4, 4);
        QCOMPARE(second, 2.0f);
    }

    void malformedFiles_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("message");
        auto withHeader = [](const std::string& json, const std::string& data) {
            std::string out(8, '\0');
            uint64_t n = json.size();
            for (int i = 0; i < 8; ++i)
                out[size_t(i)] = char((n >> (8 * i)) & 0xff);
            return QByteArray::fromStdString(out + json + data);
        };
        QTest::newRow("too short") << QByteArray("abc") << "shorter than its 8-byte header";
        QTest::newRow("huge header") << withHeader("{}", "").replace(0, 1, "\xff") << "exceeds the file size";
        QTest::newRow("bad json") << withHeader("{not json", "") << "is not valid JSON";
        QTest::newRow("bad dtype") << withHeader(R"({"x":{"dtype":"Q7","shape":[1],"data_offsets":[0,1]}})", "a")
                                   << "unsupported dtype";
        QTest::newRow("truncated data") << withHeader(R"({"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", "12345678")
                                        << "does not fit";
        QTest::newRow("shape mismatch") << withHeader(R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", "12345678")
                                        << "does not fit";
        // The product overflows int64: refused before LibTorch is asked for the storage.
        QTest::newRow("shape overflow")
            << withHeader(R"({"x":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,0]}})", "")
            << "x.shape: [4294967296,4294967296,4294967296] does not fit the file's 0 data bytes";
        QTest::newRow("shape larger than the data")
            << withHeader(R"({"x":{"dtype":"U8","shape":[1000000000000],"data_offsets":[0,8]}})", "12345678")
            << "x.shape: [1000000000000] does not fit the file's 8 data bytes";
        QTest::newRow("shape not a list") << withHeader(R"({"x":{"dtype":"F32","shape":4,"data_offsets":[0,16]}})", "")
                                          << "x.shape: must be a list";
        QTest::newRow("number out of range")
            << withHeader(R"({"x":{"dtype":"F32","shape":[1e999999],"data_offsets":[0,16]}})", "") << "is not valid JSON";
        QTest::newRow("missing fields") << withHeader(R"({"x":{"dtype":"F32"}})", "") << "needs dtype, shape and data_offsets";
    }
    void malformedFiles()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, message);
        tb::test::TempDir dir;
        const auto file = dir / "bad.safetensors";
        tb::test::writeBytes(file, bytes.toStdString());
        try {
            readSafetensors(file);
            QFAIL("expected an InputError");
        } catch (const InputError& e) {
            QVERIFY2(QString(e.what()).contains(message), e.what());
            QCOMPARE(QString::fromStdString(e.file()), QString::fromStdString(file.string()));
        }
    }
};

QTEST_GUILESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
