import Testing
@testable import LiaisonTransport

@Suite struct ModifiedUTF7Tests {
    // Examples from RFC 3501 §5.1.3 and RFC 2152-style checks.
    @Test func rfcExample() {
        #expect(ModifiedUTF7.encode("~peter/mail/台北/日本語") == "~peter/mail/&U,BTFw-/&ZeVnLIqe-")
        #expect(ModifiedUTF7.decode("~peter/mail/&U,BTFw-/&ZeVnLIqe-") == "~peter/mail/台北/日本語")
    }

    @Test func ampersandAndAscii() {
        #expect(ModifiedUTF7.encode("R&D") == "R&-D")
        #expect(ModifiedUTF7.encode("INBOX") == "INBOX")
        #expect(ModifiedUTF7.decode("R&-D") == "R&D")
    }

    @Test func chineseFolderRoundTrips() {
        for name in ["已处理", "客户/投诉 2026", "Done-已歸檔", "é", "😀 emoji"] {
            let wire = ModifiedUTF7.encode(name)
            #expect(wire.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7e })
            #expect(ModifiedUTF7.decode(wire) == name)
        }
        #expect(ModifiedUTF7.encode("已处理") == "&XfJZBHQG-")
    }

    @Test func invalidIsNil() {
        #expect(ModifiedUTF7.decode("&Jjo") == nil)
        #expect(ModifiedUTF7.decode("&Jj!-") == nil)
    }
}
