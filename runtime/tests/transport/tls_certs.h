/* SPDX-License-Identifier: MIT */
/* Test-only TLS material (generated with openssl, valid 2000-2100): a CA,
 * a server certificate for localhost/127.0.0.1 and a client certificate,
 * all EC P-256. Never use outside tests. */
#ifndef CTRT_TEST_TLS_CERTS_H
#define CTRT_TEST_TLS_CERTS_H

/* PEM lines as openssl wrote them. */
/* clang-format off */

static const char TEST_CA_PEM[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBYTCCAQigAwIBAgICEAAwCgYIKoZIzj0EAwIwFzEVMBMGA1UEAwwMY3RydCB0\n"
    "ZXN0IENBMCAXDTAwMDEwMTAwMDAwMFoYDzIxMDAwMTAxMDAwMDAwWjAXMRUwEwYD\n"
    "VQQDDAxjdHJ0IHRlc3QgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATW3pUL\n"
    "j2m3IaG8h3EEUkojtPOFEB3ZHSQmDU0ea+OCcczyoU1a0IdGYpF0HwLVqq1Vqkha\n"
    "W8rdsS0+/6R/LQJ/o0IwQDAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIB\n"
    "BjAdBgNVHQ4EFgQURpY8YObP40tr614PCds7/A3kxUcwCgYIKoZIzj0EAwIDRwAw\n"
    "RAIgSSJsRMpuvqE/0vqQ27dM43KyQhjl3IMrhW1EHddSSGgCIHCknYg7v/BrPUz4\n"
    "FXoXrbrRxC4P5rb3RcZHqM6tVTfB\n"
    "-----END CERTIFICATE-----\n";

static const char TEST_SERVER_CERT_PEM[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBmzCCAUGgAwIBAgICEAEwCgYIKoZIzj0EAwIwFzEVMBMGA1UEAwwMY3RydCB0\n"
    "ZXN0IENBMCAXDTAwMDEwMTAwMDAwMFoYDzIxMDAwMTAxMDAwMDAwWjAUMRIwEAYD\n"
    "VQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATsQiXlXuHC\n"
    "BP5A0TtRRGKNVa43d0ku+3NFGFr8PpQzEDUsWg0z3aouqJv/gCUmS+VAUVGmSqDe\n"
    "EGKAfcIWVfyYo34wfDAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwEwYDVR0l\n"
    "BAwwCgYIKwYBBQUHAwEwCQYDVR0TBAIwADAdBgNVHQ4EFgQUw85cIn6N9o4CyByd\n"
    "P6AW1QAYa1wwHwYDVR0jBBgwFoAURpY8YObP40tr614PCds7/A3kxUcwCgYIKoZI\n"
    "zj0EAwIDSAAwRQIhAPhWa4hrS+V86T/Vos7gBbE0nYl7FsLW+0NkHMNGqrGbAiB2\n"
    "TN5Y5n26Md8beZy1Za10Uzly2/8XETvBzGNdmA4MaQ==\n"
    "-----END CERTIFICATE-----\n";

static const char TEST_SERVER_KEY_PEM[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIAg0FXLV0zUIff7E7brKxDjxjlRXsmFxjYHCyiqD4OLsoAoGCCqGSM49\n"
    "AwEHoUQDQgAE7EIl5V7hwgT+QNE7UURijVWuN3dJLvtzRRha/D6UMxA1LFoNM92q\n"
    "Lqib/4AlJkvlQFFRpkqg3hBigH3CFlX8mA==\n"
    "-----END EC PRIVATE KEY-----\n";

static const char TEST_CLIENT_CERT_PEM[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBhTCCASygAwIBAgICEAIwCgYIKoZIzj0EAwIwFzEVMBMGA1UEAwwMY3RydCB0\n"
    "ZXN0IENBMCAXDTAwMDEwMTAwMDAwMFoYDzIxMDAwMTAxMDAwMDAwWjAbMRkwFwYD\n"
    "VQQDDBBjdHJ0IHRlc3QgY2xpZW50MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n"
    "gYf9sM1ssAK7ubk5fujllnDhJAxS5+R25A/WvdXG+Q323kingwBCHpTAdyrmVmEd\n"
    "x8P9BYeuVNI1SRbB27mI2qNiMGAwEwYDVR0lBAwwCgYIKwYBBQUHAwIwCQYDVR0T\n"
    "BAIwADAdBgNVHQ4EFgQUpbh9z2PUvW+p0DX8qZeCKkkMPGQwHwYDVR0jBBgwFoAU\n"
    "RpY8YObP40tr614PCds7/A3kxUcwCgYIKoZIzj0EAwIDRwAwRAIgRHIbAmzh4Ddy\n"
    "9i4msOPdoMjtyL7jqc0V9cT0Abp8HXcCIHrH6y2f0Zm+xka3fcNTyTDmsFhW8ypv\n"
    "ynTSRP1rxqki\n"
    "-----END CERTIFICATE-----\n";

static const char TEST_CLIENT_KEY_PEM[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIIvSrsjaTarLvgxXuUrNsP/3dwoTNlesppF44O/vh46joAoGCCqGSM49\n"
    "AwEHoUQDQgAEgYf9sM1ssAK7ubk5fujllnDhJAxS5+R25A/WvdXG+Q323kingwBC\n"
    "HpTAdyrmVmEdx8P9BYeuVNI1SRbB27mI2g==\n"
    "-----END EC PRIVATE KEY-----\n";

/* clang-format on */

#endif
