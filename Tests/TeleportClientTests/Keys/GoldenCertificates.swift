/// Fixed certificates for the golden tests, made once with OpenSSH 9.2's ssh-keygen
/// (kept in Swift source so the test target needs no resources):
///
///     ssh-keygen -t rsa -b 2048 -C golden-ca -f ca
///     ssh-keygen -t ed25519 -C alice@laptop -f user
///     TZ=UTC ssh-keygen -s ca -I alice -z 42 -n alice,root,-teleport-internal-join \
///         -V 20240601000000:20240601120000 -O source-address=10.0.0.0/8,127.0.0.1 \
///         -O extension:teleport-roles='{"version":"v1","roles":["access","editor"]}' \
///         -O extension:teleport-route-to-cluster=example.com \
///         -O extension:teleport-traits='{"logins":["alice","root"]}' user.pub
///     ssh-keygen -t ed25519 -C '' -f hostca; ssh-keygen -t ecdsa -b 256 -C '' -f host
///     TZ=UTC ssh-keygen -s hostca -h -I node1 -z 7 -n node1.example.com,node1 \
///         -V 20240601000000:forever host.pub
enum GoldenCertificates {
    static let userCertLine = """
        ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAIDYybPBcsuEW5GqZJFnMFR8pnWulqtOCrH0DHqz4c3PkAAAAIOJm9+8k/Vw/WUguWFlTyAAcw+vXV5RNJ+TNj0rCsSQRAAAAAAAAACoAAAABAAAABWFsaWNlAAAALAAAAAVhbGljZQAAAARyb290AAAAFy10ZWxlcG9ydC1pbnRlcm5hbC1qb2luAAAAAGZaZIAAAAAAZlsNQAAAAC4AAAAOc291cmNlLWFkZHJlc3MAAAAYAAAAFDEwLjAuMC4wLzgsMTI3LjAuMC4xAAABLgAAABVwZXJtaXQtWDExLWZvcndhcmRpbmcAAAAAAAAAF3Blcm1pdC1hZ2VudC1mb3J3YXJkaW5nAAAAAAAAABZwZXJtaXQtcG9ydC1mb3J3YXJkaW5nAAAAAAAAAApwZXJtaXQtcHR5AAAAAAAAAA5wZXJtaXQtdXNlci1yYwAAAAAAAAAOdGVsZXBvcnQtcm9sZXMAAAAwAAAALHsidmVyc2lvbiI6InYxIiwicm9sZXMiOlsiYWNjZXNzIiwiZWRpdG9yIl19AAAAGXRlbGVwb3J0LXJvdXRlLXRvLWNsdXN0ZXIAAAAPAAAAC2V4YW1wbGUuY29tAAAAD3RlbGVwb3J0LXRyYWl0cwAAAB8AAAAbeyJsb2dpbnMiOlsiYWxpY2UiLCJyb290Il19AAAAAAAAARcAAAAHc3NoLXJzYQAAAAMBAAEAAAEBAJNZyp2SngbgT/gw99LQhqMU5vtaIlah1HjeAHHppr6SCyxjSAekE9l4UyxzaByxaWMyr7EiEkJyAVSAE6AEhjyK7BmSWIHju8+rPWdqQMT4oQEqwjkZ1mrOXFho/lEcDX+sSN7szzy7iYeikNBS4X/dOYH1/P+NbWnxu8yyOrdrVIliPwlFJpvx3Mks4iE4jBuvRU7LdQVdu9BxW3JJ6rBnqLPLuhz/w5cN6LcBKCy2Fq2jMx9UoYGD7+UwRpaM4rHEo9qMSVkHk26Uj32KOBd0N/cKjY4iARjycPYSMoLopis8bb9ky06Hh5aLGysT/Cf8KlFNt3pr4c/Zrbj4btcAAAEUAAAADHJzYS1zaGEyLTUxMgAAAQBbdCuWeKuF8sdXr3kXDwqFJhiYtlVoIa5VS6iDxp7ow43g+4qLYGLpm3esS9Q4SE1QW5N5f8M32bRyL3vKIfmOufHqbWfbPOvJAVgozvy6TaVUg2xWaptgC/8qKcScRfsjMPZJZQge5c/qRUlru1iRJpcVbuy40oDWcHWG23Ui1J3NTR8osQAZDgRiJVgLrgKLITW3v6j1/9ItLOG9XF3JbpvoUdQnYTBDzM/24fFvEmUw5W4EA0MqmfT0KBNl34u5/F3IpaY+yJCMKaTks2Yz1UrgAa6gKXRy0+DB8j4a/k6ly5uXMeYcWMpc3ijy+efkLG0TDyVhN4G8q5GSEQjB alice@laptop
        """
    static let userKeyLine = """
        ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOJm9+8k/Vw/WUguWFlTyAAcw+vXV5RNJ+TNj0rCsSQR alice@laptop
        """
    static let userCALine = """
        ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCTWcqdkp4G4E/4MPfS0IajFOb7WiJWodR43gBx6aa+kgssY0gHpBPZeFMsc2gcsWljMq+xIhJCcgFUgBOgBIY8iuwZkliB47vPqz1nakDE+KEBKsI5GdZqzlxYaP5RHA1/rEje7M88u4mHopDQUuF/3TmB9fz/jW1p8bvMsjq3a1SJYj8JRSab8dzJLOIhOIwbr0VOy3UFXbvQcVtySeqwZ6izy7oc/8OXDei3ASgsthatozMfVKGBg+/lMEaWjOKxxKPajElZB5NulI99ijgXdDf3Co2OIgEY8nD2EjKC6KYrPG2/ZMtOh4eWixsrE/wn/CpRTbd6a+HP2a24+G7X golden-ca
        """
    static let hostCertLine = """
        ecdsa-sha2-nistp256-cert-v01@openssh.com AAAAKGVjZHNhLXNoYTItbmlzdHAyNTYtY2VydC12MDFAb3BlbnNzaC5jb20AAAAg9zjCEZcrwRKB71moXJFjkxsILzJplBINb2GTFfRYuF8AAAAIbmlzdHAyNTYAAABBBGZt9Xo+WOIQDlwn9nOyOYXHeKxPGEOMH3baUijKKo8Uy3hbghxWzy/NcRyVqU7ThzPgOWZ5vhahv918Vi2JWCAAAAAAAAAABwAAAAIAAAAFbm9kZTEAAAAeAAAAEW5vZGUxLmV4YW1wbGUuY29tAAAABW5vZGUxAAAAAGZaZID//////////wAAAAAAAAAAAAAAAAAAADMAAAALc3NoLWVkMjU1MTkAAAAgHnhQvASS00eAOpJx4Xd7W8s3X/l/kkM7eLZo9AK0WukAAABTAAAAC3NzaC1lZDI1NTE5AAAAQJC0uqCJYlwQON628LGHpzAL4wWCU4JpgU6xbRq/YeCIf75K+Qg00wfEC39RvJhEQyu7Ckvcfq+iVEipAhzHwg8= host.pub
        """
    static let hostKeyLine = """
        ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBGZt9Xo+WOIQDlwn9nOyOYXHeKxPGEOMH3baUijKKo8Uy3hbghxWzy/NcRyVqU7ThzPgOWZ5vhahv918Vi2JWCA=
        """
    static let hostCALine = """
        ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB54ULwEktNHgDqSceF3e1vLN1/5f5JDO3i2aPQCtFrp
        """
}
