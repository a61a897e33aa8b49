// Checks output of @courier/go-template's random sprig functions with Go's own libraries (the ones sprig uses).
// Reads one JSON request per line and answers one line:
//
//	{"op": "bcrypt", "hash": "...", "password": "..."} -> "ok" or bcrypt.CompareHashAndPassword's error
//	{"op": "key", "pem": "..."} -> what Go parses ("rsa 4096", "ecdsa P-256", "ed25519", "dsa 2048 256") or the error;
//	   the PEM must re-encode to the same text (Go's line wrapping) and the key must be consistent.
package main

import (
	"bufio"
	"crypto/dsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"

	"golang.org/x/crypto/bcrypt"
)

type request struct {
	Op       string `json:"op"`
	Hash     string `json:"hash"`
	Password string `json:"password"`
	PEM      string `json:"pem"`
}

// dsaKeyFormat is sprig's DSAKeyFormat.
type dsaKeyFormat struct {
	Version       int
	P, Q, G, Y, X *big.Int
}

func checkKey(text string) (string, error) {
	block, rest := pem.Decode([]byte(text))
	if block == nil || len(rest) != 0 {
		return "", errors.New("not one PEM block")
	}
	if string(pem.EncodeToMemory(block)) != text {
		return "", errors.New("PEM text differs from Go's encoding")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return "", err
		}
		if err := k.Validate(); err != nil {
			return "", err
		}
		return fmt.Sprintf("rsa %d", k.N.BitLen()), nil
	case "EC PRIVATE KEY":
		k, err := x509.ParseECPrivateKey(block.Bytes)
		if err != nil {
			return "", err
		}
		return "ecdsa " + k.Curve.Params().Name, nil
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return "", err
		}
		if ek, ok := k.(ed25519.PrivateKey); ok {
			sig := ed25519.Sign(ek, []byte("m"))
			if !ed25519.Verify(ek.Public().(ed25519.PublicKey), []byte("m"), sig) {
				return "", errors.New("ed25519 key does not verify")
			}
			return "ed25519", nil
		}
		return fmt.Sprintf("%T", k), nil
	case "DSA PRIVATE KEY":
		var f dsaKeyFormat
		if _, err := asn1.Unmarshal(block.Bytes, &f); err != nil {
			return "", err
		}
		if new(big.Int).Exp(f.G, f.X, f.P).Cmp(f.Y) != 0 {
			return "", errors.New("dsa: Y != G^X mod P")
		}
		k := dsa.PrivateKey{PublicKey: dsa.PublicKey{Parameters: dsa.Parameters{P: f.P, Q: f.Q, G: f.G}, Y: f.Y}, X: f.X}
		h := sha256.Sum256([]byte("m"))
		r, s, err := dsa.Sign(rand.Reader, &k, h[:])
		if err != nil || !dsa.Verify(&k.PublicKey, h[:], r, s) {
			return "", errors.New("dsa key does not sign and verify")
		}
		return fmt.Sprintf("dsa %d %d", f.P.BitLen(), f.Q.BitLen()), nil
	}
	return "", errors.New("unknown PEM type " + block.Type)
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 16<<20)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			fmt.Println(err)
			continue
		}
		switch req.Op {
		case "bcrypt":
			if err := bcrypt.CompareHashAndPassword([]byte(req.Hash), []byte(req.Password)); err != nil {
				fmt.Println(err)
			} else {
				fmt.Println("ok")
			}
		case "key":
			if d, err := checkKey(req.PEM); err != nil {
				fmt.Println("error: " + err.Error())
			} else {
				fmt.Println(d)
			}
		default:
			fmt.Println("unknown op")
		}
	}
}
