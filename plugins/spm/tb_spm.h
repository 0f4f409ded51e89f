/* SPDX-License-Identifier: MIT */
/* tb_spm: a narrow C API over Debian's libsentencepiece, built as its own shared library.
 *
 * Why a separate library: libsentencepiece carries its own copy of protobuf (3.14) whose symbols collide with the
 * protobuf (3.21) that libtorch links; a binary that links both crashes before main. TuneBench's core therefore
 * never links sentencepiece. It dlopen()s this library with RTLD_LOCAL | RTLD_DEEPBIND, so the library and
 * sentencepiece resolve their symbols among themselves, and only plain C types cross the boundary.
 *
 * Every function is thread-safe on distinct models; a loaded model is immutable, so several threads may encode and
 * decode with one model at once. Buffers the library returns (model bytes, ids, text, error messages) are allocated
 * by it and freed with tb_spm_free(). Functions returning int return 0 on success and non-zero on failure, with a
 * message in *error (which may be NULL when the caller does not want it). */
#ifndef TB_SPM_H
#define TB_SPM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(TB_SPM_BUILDING)
#define TB_SPM_API __attribute__((visibility("default")))
#else
#define TB_SPM_API
#endif

/* Bumped whenever a signature or struct below changes; the core refuses a library with another version. */
#define TB_SPM_ABI_VERSION 1

typedef struct tb_spm_model tb_spm_model;

typedef struct tb_spm_train_options {
    const char* model_type;          /* "bpe" or "unigram" */
    int32_t vocab_size;              /* total pieces, including <unk>, byte pieces and user-defined symbols */
    double character_coverage;       /* fraction of characters the vocabulary covers (sentencepiece's default 0.9995) */
    int32_t byte_fallback;           /* non-zero: characters outside the vocabulary become UTF-8 byte pieces */
    const char* user_defined_symbols;/* pieces always kept whole, separated by '\x1f' (unit separator); may be NULL */
    int64_t input_sentence_size;     /* lines sampled for training (0 = all) */
    uint32_t seed;                   /* for the sampling of lines */
    int32_t num_threads;             /* 0 = sentencepiece's default */
} tb_spm_train_options;

/* Piece types, as sentencepiece's ModelProto::SentencePiece::Type. */
enum {
    TB_SPM_PIECE_NORMAL = 1,
    TB_SPM_PIECE_UNKNOWN = 2,
    TB_SPM_PIECE_CONTROL = 3,
    TB_SPM_PIECE_USER_DEFINED = 4,
    TB_SPM_PIECE_UNUSED = 5,
    TB_SPM_PIECE_BYTE = 6,
    TB_SPM_PIECE_INVALID = -1
};

TB_SPM_API int tb_spm_abi_version(void);
TB_SPM_API void tb_spm_free(void* buffer);

/* Trains on `text` (lines separated by '\n') or on the file at `path` (one sentence a line). The model keeps text
 * exactly: no normalisation, no dummy prefix, whitespace kept. On success, *model and *model_len hold the serialized
 * model (ModelProto) bytes. */
TB_SPM_API int tb_spm_train_buffer(const char* text, size_t text_len, const tb_spm_train_options* options, char** model,
                        size_t* model_len, char** error);
TB_SPM_API int tb_spm_train_file(const char* path, const tb_spm_train_options* options, char** model, size_t* model_len,
                      char** error);

/* Loads serialized model bytes; NULL on failure with a message in *error. */
TB_SPM_API tb_spm_model* tb_spm_load(const char* bytes, size_t len, char** error);
TB_SPM_API void tb_spm_destroy(tb_spm_model* model);

TB_SPM_API int32_t tb_spm_vocab_size(const tb_spm_model* model);
/* The piece's text (sentencepiece spelling, e.g. "\xe2\x96\x81the" for " the"), valid while the model lives; NULL
 * for ids outside the vocabulary. */
TB_SPM_API const char* tb_spm_id_to_piece(const tb_spm_model* model, int32_t id, size_t* len);
TB_SPM_API int tb_spm_piece_type(const tb_spm_model* model, int32_t id);

/* Encodes one line at a time; a newline is always encoded alone (it is a user-defined piece of models trained here),
 * so the ids of a text are the concatenation of its lines' ids. */
TB_SPM_API int tb_spm_encode(const tb_spm_model* model, const char* text, size_t text_len, int32_t** ids, size_t* count,
                  char** error);
/* Ids outside the vocabulary are an error (the core maps them to U+FFFD before calling). */
TB_SPM_API int tb_spm_decode(const tb_spm_model* model, const int32_t* ids, size_t count, char** text, size_t* text_len,
                  char** error);

#ifdef __cplusplus
}
#endif

#endif /* TB_SPM_H */
